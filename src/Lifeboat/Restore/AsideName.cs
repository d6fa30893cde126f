using System.Globalization;

namespace Lifeboat.Restore;

/// <summary>
/// The name under which a restore keeps what it replaces: <c>PATH.before-restore.YYYYMMDDTHHMMSSZ</c> (UTC), with
/// <c>.1</c>, <c>.2</c>… appended when two restores fall within one second, so an earlier kept copy is never replaced.
/// </summary>
public static class AsideName
{
    /// <summary>The first free name for keeping <paramref name="path"/> aside now; <paramref name="taken"/> says whether a name is in use.</summary>
    public static string For(string path, TimeProvider clock, Func<string, bool> taken)
    {
        var basePath = $"{path}.before-restore.{clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var candidate = basePath;
        for (var n = 1; taken(candidate); n++)
        {
            candidate = $"{basePath}.{n}";
        }
        return candidate;
    }
}
