using System.Text;
using Lifeboat.Storage;
using Lifeboat.Storage.S3;

namespace Lifeboat.Plan;

/// <summary>
/// A repository the plan backs up into: a local directory or an <c>s3:</c> URL, its password from an environment
/// variable or a file (never written in the plan), and optionally the repository it is copied to offsite.
/// </summary>
public sealed record PlanRepository
{
    /// <summary>The name components refer to.</summary>
    public required string Name { get; init; }

    /// <summary>A full local path, or an <c>s3:</c> URL.</summary>
    public required string Location { get; init; }

    /// <summary>The environment variable holding the password, if the password comes from one.</summary>
    public string? PasswordEnv { get; init; }

    /// <summary>The full path of the file holding the password, if it comes from a file.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>The name of the repository every snapshot is copied to after a backup, if any.</summary>
    public string? Offsite { get; init; }

    /// <summary>Where the repository is defined in the plan.</summary>
    public PlanMark Mark { get; init; }

    /// <summary>Whether the location is an S3 URL.</summary>
    public bool IsS3 => Location.StartsWith("s3:", StringComparison.OrdinalIgnoreCase);

    /// <summary>The store at the location (nothing is read or created yet).</summary>
    public IBlobStore OpenStore() => IsS3 ? new S3BlobStore(S3Location.Parse(Location)) : new LocalBlobStore(Location);

    /// <summary>
    /// Reads the password from its variable or file; throws <see cref="InvalidOperationException"/> saying what to set
    /// when it is missing or empty.
    /// </summary>
    public string ReadPassword()
    {
        if (PasswordEnv is not null)
        {
            var value = Environment.GetEnvironmentVariable(PasswordEnv);
            return string.IsNullOrEmpty(value)
                ? throw new InvalidOperationException($"the password of repository '{Name}' comes from ${PasswordEnv}, which is not set; export it or use password-file:")
                : value;
        }
        string text;
        try
        {
            text = File.ReadAllText(PasswordFile!, Encoding.UTF8).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read the password file {PasswordFile} of repository '{Name}': {e.Message}");
        }
        return text.Length == 0 ? throw new InvalidOperationException($"the password file {PasswordFile} of repository '{Name}' is empty") : text;
    }
}
