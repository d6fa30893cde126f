using Lifeboat.Chunking;
using Lifeboat.Repository;
using Lifeboat.Storage;

namespace Lifeboat.Plan;

/// <summary>
/// Creates the plan's repositories that do not exist yet: primaries first, then offsite repositories sharing their
/// primary's chunking parameters and chunk IDs (so the offsite copy sends only missing chunks). Existing ones are left
/// as they are (their password is checked).
/// </summary>
public static class PlanInitializer
{
    /// <summary>Creates what is missing; returns (repository name, created) in the order handled.</summary>
    public static async Task<IReadOnlyList<(string Name, bool Created)>> InitAsync(BackupPlan plan, CancellationToken cancellationToken)
    {
        var offsites = new Dictionary<string, PlanRepository>();
        foreach (var primary in plan.Repositories.Values.Where(r => r.Offsite is not null).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            // An offsite repository shared by several primaries takes the chunking of the first; copies from the others are refused with advice.
            offsites.TryAdd(primary.Offsite!, primary);
        }
        var ordered = plan.Repositories.Values.OrderBy(r => offsites.ContainsKey(r.Name) ? 1 : 0).ThenBy(r => r.Name, StringComparer.Ordinal);
        var results = new List<(string, bool)>();
        foreach (var repository in ordered)
        {
            var store = repository.OpenStore();
            var password = repository.ReadPassword();
            if (await Repository.Repository.ExistsAsync(store, cancellationToken))
            {
                await Repository.Repository.OpenAsync(store, password, cancellationToken);
                results.Add((repository.Name, false));
                continue;
            }
            if (!repository.IsS3)
            {
                if (Directory.Exists(repository.Location) && Directory.EnumerateFileSystemEntries(repository.Location).Any())
                {
                    throw new RepositoryExistsException($"repository '{repository.Name}': {repository.Location} exists and is not empty; choose an empty or new directory");
                }
                store = LocalBlobStore.Create(repository.Location);
            }
            var config = RepositoryConfig.Create(ChunkerParameters.Default, 3, RepositoryConfig.DefaultPackSize);
            Crypto.MasterKey? key = null;
            if (offsites.TryGetValue(repository.Name, out var primary))
            {
                var source = await Repository.Repository.OpenAsync(primary.OpenStore(), primary.ReadPassword(), cancellationToken);
                config = config with
                {
                    ChunkMin = source.Config.ChunkMin, ChunkAverage = source.Config.ChunkAverage, ChunkMax = source.Config.ChunkMax,
                    GearSeed = source.Config.GearSeed,
                };
                key = Crypto.MasterKey.WithChunkIdsOf(source.Key);
            }
            await Repository.Repository.InitAsync(store, password, config, cancellationToken, key: key);
            results.Add((repository.Name, true));
        }
        return results;
    }
}
