using Lifeboat.Storage;

namespace Lifeboat.Server.Health;

/// <summary>The readiness probe of a repository: its store answers, holds a repository config, and its password can be read.</summary>
public static class RepositoryProbe
{
    /// <summary>A probe named "repository" for <paramref name="store"/>; <paramref name="readPassword"/>, when given, must not throw.</summary>
    public static ReadinessProbe For(IBlobStore store, Func<string>? readPassword = null) => new("repository", async cancellationToken =>
    {
        try
        {
            if (!await Repository.Repository.ExistsAsync(store, cancellationToken))
            {
                return $"{store.Location} holds no repository (no config): is the disk mounted, or the bucket right? Create one with 'lifeboat init'";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            return $"{store.Location} is unreachable: {e.Message}";
        }
        try
        {
            readPassword?.Invoke();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    });
}
