using System.Globalization;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The common case of <c>wal push</c> from archive_command, finished before the command line is built: the segment was
/// archived ahead by an earlier push's batch, and its spool marker proves it. Building the full command line costs
/// more CPU than the rest of such a push, and PostgreSQL starts one push per segment.
/// </summary>
/// <remarks>
/// Only arguments this class fully understands are handled here: <c>wal push</c>, one path, and <c>--repo</c>/<c>-r</c>,
/// <c>--password-file</c>/<c>-p</c>, <c>--quiet</c>/<c>-q</c>, <c>--component</c>, <c>--spool</c>, <c>--batch</c>, each at
/// most once, as separate tokens. Anything else (another option, <c>--opt=value</c>, a response file, <c>--json</c>),
/// no repository location, or a marker that proves nothing leaves the push to the full command line, which then
/// behaves exactly as it does without this class (a marker whose proof failed is left for it to find and consume).
/// </remarks>
internal static class WalPushShortcut
{
    /// <summary>True when the push is complete (the caller exits 0); false when the full command line must run.</summary>
    public static bool TryFinish(string[] args)
    {
        if (Environment.GetEnvironmentVariable("LIFEBOAT_DEBUG_MEMORY") == "1" || Parse(args) is not { } push)
        {
            return false;
        }
        var location = push.Repository ?? Environment.GetEnvironmentVariable("LIFEBOAT_REPOSITORY");
        if (string.IsNullOrWhiteSpace(location))
        {
            return false;
        }
        try
        {
            if (Spool(push.File, push.Spool, location, push.Component) is not { } spool)
            {
                return false;
            }
            if (push.Batch != 0)
            {
                spool.WaitForAhead(push.File, WalBatch.MarkerWait);
            }
            // A stale marker is left for the full command line, which checks it again at once: consumed here, it would
            // send that command waiting for a marker the background process wrote already.
            if (!spool.TryConsume(push.File, keepStale: true))
            {
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Not swallowed: the full command line meets the same failure and reports it with its exit code.
            return false;
        }
        if (!push.Quiet)
        {
            Console.Out.WriteLine($"{Path.GetFileName(push.File)} was already archived with the same content");
        }
        return true;
    }

    /// <summary>
    /// The spool of a push of <paramref name="walFile"/>: <paramref name="directory"/> (<c>--spool</c>), else
    /// $LIFEBOAT_WAL_SPOOL, else <see cref="WalSpool.DefaultDirectory"/>; null when there is none (no batching).
    /// </summary>
    public static WalSpool? Spool(string walFile, string? directory, string repositoryLocation, string component)
    {
        var folder = directory ?? NonEmpty(Environment.GetEnvironmentVariable("LIFEBOAT_WAL_SPOOL")) ?? WalSpool.DefaultDirectory(walFile);
        return folder is null ? null : new WalSpool(folder, RepositoryIdentity(repositoryLocation), component);
    }

    // A local repository is named by its absolute path, so a marker written from another working directory still matches.
    internal static string RepositoryIdentity(string location) => RepositoryLocation.IsS3(location) ? location : Path.GetFullPath(location);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed record Push(string File, string Component, string? Spool, string? Repository, bool Quiet, int Batch);

    private static Push? Parse(string[] args)
    {
        var positional = new List<string>(3);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var quiet = false;
        for (var i = 0; i < args.Length; i++)
        {
            var token = args[i];
            if (token is "--quiet" or "-q")
            {
                if (quiet)
                {
                    return null;
                }
                quiet = true;
            }
            else if (token.StartsWith('-') || token.StartsWith('@'))
            {
                // The options of push itself count only after the word push, as on the full command line.
                var name = token switch
                {
                    "--repo" or "-r" => "--repo",
                    "--password-file" or "-p" => "--password-file",
                    "--component" or "--spool" or "--batch" when positional.Count >= 2 => token,
                    _ => null,
                };
                if (name is null || i + 1 == args.Length || args[i + 1].StartsWith('-') || args[i + 1].StartsWith('@') || !values.TryAdd(name, args[++i]))
                {
                    return null;
                }
            }
            else
            {
                positional.Add(token);
            }
        }
        if (positional is not ["wal", "push", var file] || file.Length == 0)
        {
            return null;
        }
        // The full command line refuses a --batch that is not a number.
        var limit = 32;
        if (values.TryGetValue("--batch", out var batch) && !int.TryParse(batch, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
        {
            return null;
        }
        return new Push(file, values.GetValueOrDefault("--component") ?? "postgres", values.GetValueOrDefault("--spool"), values.GetValueOrDefault("--repo"), quiet, limit);
    }
}
