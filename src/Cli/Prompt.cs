using System.Text;

namespace Narwhal.Cli;

/// <summary>Reading from the terminal without echo (tokens at login, secret values).</summary>
public static class Prompt
{
    /// <summary>Reads a line from the console without echoing it; Backspace works, Enter ends.</summary>
    public static string ReadHidden()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) return sb.ToString();
            if (key.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; }
            else if (!char.IsControl(key.KeyChar)) sb.Append(key.KeyChar);
        }
    }
}
