using Spectre.Console;

namespace Lifeboat.Cli;

/// <summary>
/// Live progress on the terminal (stderr) while a long task runs: a bar with bytes, throughput and ETA, and a line
/// of counters. Off the terminal it shows nothing; results are printed by the command afterwards.
/// </summary>
public static class ProgressDisplay
{
    /// <summary>A sample of progress: counters text, bytes done, bytes expected (≤ 0 when unknown).</summary>
    public readonly record struct Sample(string Text, long Done, long Total);

    /// <summary>Runs <paramref name="work"/>, refreshing the display from <paramref name="sample"/> four times a second.</summary>
    public static Task<T> RunAsync<T>(bool enabled, string title, Func<Task<T>> work, Func<Sample> sample) =>
        enabled ? RunWithDisplayAsync(title, work, sample) : work();

    // Separate and not inlined, so Spectre.Console is loaded only when a display is shown.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<T> RunWithDisplayAsync<T>(string title, Func<Task<T>> work, Func<Sample> sample)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(title, maxValue: 1);
                var running = work();
                while (!running.IsCompleted)
                {
                    Update(task, title, sample());
                    await Task.WhenAny(running, Task.Delay(250));
                }
                Update(task, title, sample());
                result = await running;
            });
        return result;
    }

    private static void Update(ProgressTask task, string title, Sample sample)
    {
        task.Description = $"{title} {Markup.Escape(sample.Text)}";
        if (sample.Total > 0)
        {
            task.MaxValue = Math.Max(sample.Total, sample.Done);
            task.IsIndeterminate = false;
        }
        else
        {
            task.MaxValue = Math.Max(1, sample.Done);
            task.IsIndeterminate = true;
        }
        task.Value = sample.Done;
    }
}
