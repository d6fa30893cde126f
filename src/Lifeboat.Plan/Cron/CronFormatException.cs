namespace Lifeboat.Plan.Cron;

/// <summary>A cron expression that cannot be parsed: which field (1–5, 0 for the whole text) and where in the text.</summary>
public sealed class CronFormatException(string message, int field, int offset) : FormatException(message)
{
    /// <summary>The 1-based field number (1 minute … 5 day of week); 0 when the expression as a whole is wrong.</summary>
    public int Field { get; } = field;

    /// <summary>The 0-based character offset of the offending field in the expression.</summary>
    public int Offset { get; } = offset;
}
