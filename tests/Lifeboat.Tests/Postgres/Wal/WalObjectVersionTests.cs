using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Compression;
using Lifeboat.Crypto;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// The two versions of an archived WAL object's header: 1 checks the content by the SHA-256 it records, 2 (what pushes
/// write now) by the zstd frame's content checksum. Objects are built here byte by byte as docs/repository-format.md
/// §9a describes them, sealed with the repository's key, so each rule is tested against the format and not the writer.
/// </summary>
public sealed class WalObjectVersionTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private const string Name = "000000010000000000000003";
    private readonly TempDirectory _folder = new();
    private readonly MemoryBlobStore _store = new();

    public void Dispose() => _folder.Dispose();

    // The repository, its archive bound to the cluster (segment 4 pushed), and segment 3 on disk, not archived.
    private async Task<(Lifeboat.Repository.Repository Repository, WalArchive Archive, string Segment)> SetUpAsync()
    {
        var repository = await TestRepository.InitAsync(_store);
        var archive = new WalArchive(repository);
        await archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, 4), "postgres", CancellationToken.None);
        return (repository, archive, FakeSegments.Write(_folder.Path, Cluster, 3));
    }

    private static string Header(int version, long size, string? sha256 = null, bool frameChecksum = false) =>
        $$"""{"version":{{version}},"file":"{{Name}}","systemIdentifier":{{Cluster}},"size":{{size}},"archived":"2026-01-01T00:00:00+00:00"{{(sha256 is null ? "" : $",\"sha256\":\"{sha256}\"")}}{{(frameChecksum ? ",\"frameChecksum\":true" : "")}}}""";

    private static byte[] Frame(byte[] content, bool checksum)
    {
        var frame = new byte[content.Length + 65536];
        var length = checksum
            ? ZstdCompressor.Instance.TryCompressWithChecksum(content, frame, 3)
            : ZstdCompressor.Instance.TryCompress(content, frame, 3);
        return frame[..length];
    }

    // u32le H | header sealed with "lifeboat-wal-header\n" + name | frame sealed with "lifeboat-wal-data\n" + name.
    private async Task PutAsync(Lifeboat.Repository.Repository repository, string header, byte[] frame)
    {
        var name = WalArchive.ObjectName(Cluster, Name);
        var sealedHeader = repository.Key.Box.Seal(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes($"lifeboat-wal-header\n{name.Name}"));
        var sealedData = repository.Key.Box.Seal(frame, Encoding.UTF8.GetBytes($"lifeboat-wal-data\n{name.Name}"));
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, sealedHeader.Length);
        await _store.PutAsync(name, (byte[])[.. length, .. sealedHeader, .. sealedData], CancellationToken.None);
    }

    private Task<bool> FetchAsync(WalArchive archive) => archive.FetchAsync(Cluster, Name, Path.Combine(_folder.Path, "fetched"), CancellationToken.None);

    [Fact]
    public async Task A_push_writes_version_2_with_the_frame_checksum_and_no_hash_and_it_fetches_back()
    {
        var (_, archive, segment) = await SetUpAsync();

        Assert.True(await archive.PushAsync(segment, "postgres", CancellationToken.None));

        var header = await archive.ReadHeaderAsync(Cluster, Name, CancellationToken.None);
        Assert.Equal((2, true, (string?)null), (header.Version, header.FrameChecksum, header.Sha256));
        Assert.True(await FetchAsync(archive));
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(Path.Combine(_folder.Path, "fetched")));
    }

    [Fact]
    public async Task A_version_1_object_still_fetches_accepts_its_own_content_again_and_refuses_other_content()
    {
        var (repository, archive, segment) = await SetUpAsync();
        var content = await File.ReadAllBytesAsync(segment);
        await PutAsync(repository, Header(1, content.Length, Convert.ToHexStringLower(SHA256.HashData(content))), Frame(content, checksum: false));

        Assert.True(await FetchAsync(archive));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_folder.Path, "fetched")));
        Assert.False(await archive.PushAsync(segment, "postgres", CancellationToken.None));
        content[^1] ^= 1;
        await File.WriteAllBytesAsync(segment, content);
        var refused = await Assert.ThrowsAsync<WalConflictException>(() => archive.PushAsync(segment, "postgres", CancellationToken.None));
        Assert.Contains("SHA-256", refused.Message);
    }

    [Fact]
    public async Task A_version_1_object_whose_content_does_not_hash_to_its_header_fails_to_open()
    {
        var (repository, archive, segment) = await SetUpAsync();
        var content = await File.ReadAllBytesAsync(segment);
        await PutAsync(repository, Header(1, content.Length, new string('0', 64)), Frame(content, checksum: false));

        var error = await Assert.ThrowsAsync<CorruptObjectException>(() => FetchAsync(archive));

        Assert.Contains("SHA-256", error.Message);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "fetched")));
    }

    [Fact]
    public async Task A_version_2_frame_whose_checksum_does_not_match_its_content_fails_to_open()
    {
        var (repository, archive, segment) = await SetUpAsync();
        var content = await File.ReadAllBytesAsync(segment);
        var frame = Frame(content, checksum: true);
        frame[^1] ^= 0x40; // the checksum is the frame's last four bytes

        var error = await Assert.ThrowsAsync<CorruptObjectException>(async () =>
        {
            await PutAsync(repository, Header(2, content.Length, frameChecksum: true), frame);
            await FetchAsync(archive);
        });

        Assert.Contains("does not decompress", error.Message);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "fetched")));
    }

    [Theory]
    [InlineData(2, true, false, "no content checksum in its frame")]
    [InlineData(2, false, true, "without its content check")]
    [InlineData(1, false, false, "without its content check")]
    [InlineData(3, true, true, "version 3")]
    public async Task A_header_without_the_check_its_version_needs_or_of_an_unknown_version_fails_to_open(int version, bool headerSaysChecksum, bool frameHasChecksum, string message)
    {
        var (repository, archive, segment) = await SetUpAsync();
        var content = await File.ReadAllBytesAsync(segment);
        await PutAsync(repository, Header(version, content.Length, frameChecksum: headerSaysChecksum), Frame(content, frameHasChecksum));

        var error = await Assert.ThrowsAsync<CorruptObjectException>(() => FetchAsync(archive));

        Assert.Contains(message, error.Message);
        // A push of the same name reports the damaged copy instead of overwriting or accepting it.
        await Assert.ThrowsAsync<WalConflictException>(() => archive.PushAsync(segment, "postgres", CancellationToken.None));
    }
}
