using System.Text;
using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The refusal records of the WAL archive (<see cref="WalRefusal"/>): one sealed object per component and refused
/// file, written once at the first refusal (PostgreSQL retries the same file until it succeeds, so a stuck archiver
/// writes one object, not one per retry).
/// </summary>
public sealed class WalRefusals(Repository.Repository repository)
{
    private const string Prefix = "refused-";

    /// <summary>
    /// Records that <paramref name="file"/> was refused for <paramref name="component"/>. A record already there is
    /// kept (it holds the first refusal); a record that cannot be written throws, naming the refusal too.
    /// </summary>
    public async Task RecordAsync(string component, string file, Exception refusal, CancellationToken cancellationToken)
    {
        var name = new BlobName(BlobKind.Wal, $"{Prefix}{component}-{file}");
        var record = new WalRefusal { Component = component, File = file, Time = DateTimeOffset.UtcNow, Host = Environment.MachineName, Reason = refusal.Message };
        try
        {
            await repository.Store.PutAsync(name, repository.Key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(record, WalJson.Default.WalRefusal), Aad(name)), cancellationToken);
        }
        catch (BlobExistsException)
        {
            // Refused before: the first refusal's record stays.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WalConflictException($"{refusal.Message} (and the refusal could not be recorded in the repository: {e.Message})");
        }
    }

    /// <summary>Every refusal recorded for <paramref name="component"/>, oldest first.</summary>
    public async Task<IReadOnlyList<WalRefusal>> ListAsync(string component, CancellationToken cancellationToken)
    {
        var prefix = $"{Prefix}{component}-";
        var refusals = new List<WalRefusal>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Wal, cancellationToken))
        {
            // The file name never holds '-', so the component is everything between the prefix and the last '-'.
            if (!info.Name.Name.StartsWith(prefix, StringComparison.Ordinal) || info.Name.Name.LastIndexOf('-') != prefix.Length - 1)
            {
                continue;
            }
            var plain = repository.Key.Box.Open(await repository.Store.GetAsync(info.Name, cancellationToken), Aad(info.Name));
            try
            {
                refusals.Add(JsonSerializer.Deserialize(plain, WalJson.Default.WalRefusal) ?? throw new CorruptObjectException($"{info.Name} is empty"));
            }
            catch (JsonException e)
            {
                throw new CorruptObjectException($"{info.Name} is not valid JSON: {e.Message}");
            }
        }
        return [.. refusals.OrderBy(r => r.Time)];
    }

    private static byte[] Aad(BlobName name) => Encoding.UTF8.GetBytes($"lifeboat-wal-refusal\n{name.Name}");
}
