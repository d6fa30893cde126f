namespace Lifeboat.Server.Scheduling;

/// <summary>When a component is due: a cron expression in a time zone, seen by the scheduler as a sequence of instants.</summary>
public interface ISchedule
{
    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    DateTimeOffset? Next(DateTimeOffset after);

    /// <summary>The schedule as the user wrote it, for messages.</summary>
    string Description { get; }
}
