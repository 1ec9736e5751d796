using Narwhal.Runner.Intake;

namespace Narwhal.Runner.Fleet;

/// <summary>
/// Samples the host's CPU once a second and closes the intake gate while the average over the
/// window is at or above NARWHAL_RUNNER_CPU_MAX_PERCENT (100 = never). It also keeps the latest
/// reading for heartbeats and the <c>narwhal_runner_cpu_percent</c> gauge.
/// </summary>
public sealed class CpuMonitor(ICpuSampler sampler, IntakeGate gate, RunnerSettings settings, ILogger<CpuMonitor> logger)
    : BackgroundService, IHostedLifecycleService
{
    public const string Condition = "cpu";
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);
    private double _percent;
    private bool _failing;

    public double Percent => Volatile.Read(ref _percent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) Check();
    }

    // Before the intake starts consuming: a busy host never takes a first run.
    public Task StartingAsync(CancellationToken ct)
    {
        Check();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;

    public void Check()
    {
        double percent;
        try
        {
            percent = sampler.Sample();
            if (_failing) logger.LogInformation("Reading the host's CPU use works again");
            _failing = false;
        }
        catch (Exception ex)
        {
            // The gate keeps its last state; logged once per failure streak.
            if (!_failing) logger.LogWarning(ex, "Reading the host's CPU use failed; the CPU gate keeps its state");
            _failing = true;
            return;
        }
        Volatile.Write(ref _percent, percent);
        if (settings.CpuMaxPercent >= 100) return;

        if (percent >= settings.CpuMaxPercent)
        {
            if (gate.Close(Condition, $"cpu {percent:0}% ≥ {settings.CpuMaxPercent:0}%"))
                logger.LogWarning("Not taking runs: host CPU at {Percent:0}% over the last {Window} s, NARWHAL_RUNNER_CPU_MAX_PERCENT={Max}",
                    percent, settings.CpuWindow.TotalSeconds, settings.CpuMaxPercent);
        }
        else if (gate.Open(Condition))
        {
            logger.LogInformation("Taking runs again: host CPU at {Percent:0}%", percent);
        }
    }
}
