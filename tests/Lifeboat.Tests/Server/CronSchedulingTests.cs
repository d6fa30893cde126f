using Lifeboat.Plan;
using Lifeboat.Plan.Cron;
using Lifeboat.Server.Plans;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Tests.Server;

public sealed class CronSchedulingTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static ScheduledComponent Component(string cron) =>
        new("db", new CronScheduleAdapter(new PlanSchedule(CronSchedule.Parse(cron), Berlin)), CatchUpPolicy.Once, new RetryPolicy { MaxAttempts = 1 }, TimeSpan.FromHours(25));

    private static DateTimeOffset Utc(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Daily_at_two_in_Berlin_runs_once_a_day_across_the_spring_daylight_saving_gap()
    {
        var clock = new ManualTimeProvider(Utc(3, 26, 0));
        var runner = new ScriptedRunner(clock);
        await SchedulerTests.RunAsync(clock, Component("0 2 * * *"), runner, Utc(4, 1, 12));

        // 02:00 CET is 01:00 UTC; on 29 March 02:00 does not exist and the run happens when the gap ends (03:00 CEST,
        // 01:00 UTC); from then on 02:00 CEST is 00:00 UTC.
        Assert.Equal([Utc(3, 26, 1), Utc(3, 27, 1), Utc(3, 28, 1), Utc(3, 29, 1), Utc(3, 30, 0), Utc(3, 31, 0), Utc(4, 1, 0)],
            runner.Attempts.Select(a => a.Started));
    }

    [Fact]
    public async Task Daily_at_two_in_Berlin_runs_once_on_the_autumn_day_whose_two_oclock_happens_twice()
    {
        var clock = new ManualTimeProvider(Utc(10, 23, 12));
        var runner = new ScriptedRunner(clock);
        await SchedulerTests.RunAsync(clock, Component("0 2 * * *"), runner, Utc(10, 27, 12));

        Assert.Equal([Utc(10, 24, 0), Utc(10, 25, 0), Utc(10, 26, 1), Utc(10, 27, 1)], runner.Attempts.Select(a => a.Started));
    }

    [Fact]
    public async Task Hourly_in_Berlin_runs_every_hour_through_the_repeated_hour()
    {
        var clock = new ManualTimeProvider(Utc(10, 24, 21));
        var runner = new ScriptedRunner(clock);
        await SchedulerTests.RunAsync(clock, Component("0 * * * *"), runner, Utc(10, 25, 4));

        Assert.Equal(Enumerable.Range(0, 7).Select(h => Utc(10, 24, 22).AddHours(h)), runner.Attempts.Select(a => a.Started));
    }
}
