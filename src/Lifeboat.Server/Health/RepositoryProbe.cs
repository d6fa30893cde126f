using Lifeboat.Storage;

namespace Lifeboat.Server.Health;

/// <summary>The readiness probe of a repository: its store answers and holds a repository config.</summary>
public static class RepositoryProbe
{
    /// <summary>A probe named "repository" for <paramref name="store"/>.</summary>
    public static ReadinessProbe For(IBlobStore store) => new("repository", async cancellationToken =>
    {
        try
        {
            return await Repository.Repository.ExistsAsync(store, cancellationToken)
                ? null
                : $"{store.Location} holds no repository (no config): is the disk mounted, or the bucket right? Create one with 'lifeboat init'";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            return $"{store.Location} is unreachable: {e.Message}";
        }
    });
}
