using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Narwhal.Api.DataProtection;

/// <summary>
/// Keeps the ASP.NET Data Protection key ring in Postgres (<c>data_protection_keys</c>, migrations/0011), so every
/// Api replica protects and reads the web UI's cookies and antiforgery tokens with the same keys. Data Protection
/// calls this rarely (at start, when its cached ring expires, when it creates a key), and synchronously.
/// </summary>
/// <remarks>
/// Two replicas starting on an empty table may each create a key: both are stored and both are valid. Data
/// Protection creates later keys two days before they are needed, so every replica has read them by then.
/// </remarks>
public sealed class PostgresXmlRepository(NpgsqlDataSource db) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenConnection();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, name")
            .Select(XElement.Parse)
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = db.OpenConnection();
        // A name is a key's id: the same key is never stored twice with different content.
        connection.Execute(
            "INSERT INTO data_protection_keys (name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO NOTHING",
            new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
