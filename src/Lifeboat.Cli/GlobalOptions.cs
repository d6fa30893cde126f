using System.CommandLine;

namespace Lifeboat.Cli;

/// <summary>Options every command accepts.</summary>
public static class GlobalOptions
{
    /// <summary>Repository location (or LIFEBOAT_REPOSITORY).</summary>
    public static readonly Option<string?> Repo = new("--repo", "-r")
    {
        Description = "Repository location: a local directory, or s3:[http(s)://host[:port]/]bucket[/prefix] (default: $LIFEBOAT_REPOSITORY)",
        Recursive = true,
    };

    /// <summary>File holding the password (or LIFEBOAT_PASSWORD_FILE).</summary>
    public static readonly Option<string?> PasswordFile = new("--password-file", "-p")
    {
        Description = "Read the password from this file (default: $LIFEBOAT_PASSWORD_FILE, then $LIFEBOAT_PASSWORD, then a prompt)",
        Recursive = true,
    };

    /// <summary>Machine-readable output.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print machine-readable JSON on stdout instead of text",
        Recursive = true,
    };

    /// <summary>No progress display.</summary>
    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Print no progress, only results and errors",
        Recursive = true,
    };
}
