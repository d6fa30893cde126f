using Lifeboat.Server.Scheduling;

namespace Lifeboat.Tests.Server;

/// <summary>Occurrences every <paramref name="period"/> from <paramref name="origin"/> (an hourly cron, without a parser).</summary>
internal sealed class IntervalSchedule(DateTimeOffset origin, TimeSpan period) : ISchedule
{
    public string Description => $"every {period}";

    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var steps = after < origin ? 0 : (after - origin).Ticks / period.Ticks + 1;
        return origin + period * steps;
    }
}
