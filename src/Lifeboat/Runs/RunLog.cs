using System.Text;
using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Runs;

/// <summary>
/// Writes and reads <see cref="RunRecord"/>s in a repository. Run records reference no data: prune, check and copy
/// leave them alone, and forgetting snapshots does not remove them.
/// </summary>
public sealed class RunLog(Repository.Repository repository)
{
    private static readonly byte[] RunAad = Encoding.ASCII.GetBytes("lifeboat-run");

    /// <summary>Stores a record; returns its name.</summary>
    public Task<Digest> SaveAsync(RunRecord record, CancellationToken cancellationToken) =>
        Repository.Repository.PutContentAddressedAsync(repository.Store, BlobKind.Run,
            repository.Key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(record, Repository.RepositoryJson.Default.RunRecord), RunAad), cancellationToken);

    /// <summary>
    /// Every readable record, oldest start first. A damaged record is left out and described in
    /// <paramref name="damaged"/>: one bad record must not hide the others.
    /// </summary>
    public async Task<List<RunRecord>> LoadAsync(CancellationToken cancellationToken, ICollection<string>? damaged = null)
    {
        var names = new List<BlobName>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Run, cancellationToken))
        {
            if (Digest.TryParse(info.Name.Name, out _))
            {
                names.Add(info.Name);
            }
        }
        var records = await Task.WhenAll(names.Select(async name =>
        {
            try
            {
                var plain = repository.Key.Box.Open(await repository.GetVerifiedAsync(name, cancellationToken), RunAad);
                var record = JsonSerializer.Deserialize(plain, Repository.RepositoryJson.Default.RunRecord) ?? throw new CorruptObjectException("run record is empty");
                return record.Version == 1 ? record : throw new CorruptObjectException($"run record format version {record.Version} is not supported");
            }
            catch (Exception e) when (e is JsonException or CorruptObjectException)
            {
                lock (names)
                {
                    damaged?.Add($"{name}: {e.Message}");
                }
                return null;
            }
        }));
        return [.. records.OfType<RunRecord>().OrderBy(r => r.Start).ThenBy(r => r.Component, StringComparer.Ordinal)];
    }
}
