using System.Diagnostics;
using System.Runtime.Versioning;
using Lifeboat.Storage;

namespace Lifeboat.Tests.Storage;

/// <summary>What <see cref="LocalBlobStore"/> promises beyond the shared contract: files on disk, temp files, disk full.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "lifeboat-test-" + Guid.NewGuid().ToString("N"));
    private string? mountPoint;

    /// <inheritdoc />
    public void Dispose()
    {
        if (mountPoint is not null && Run("umount", mountPoint) != 0)
        {
            Run("umount", "-l " + mountPoint);
        }
        if (Directory.Exists(directory))
        {
            MakeWritable(directory);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task A_put_that_runs_out_of_disk_space_leaves_nothing_under_its_final_name_and_no_temporary_file()
    {
        var root = Path.Combine(directory, "repo");
        var simulation = PrepareFullDisk(root, () => LocalBlobStore.Create(root));
        var store = new LocalBlobStore(root);
        var name = new BlobName(BlobKind.Pack, "ab" + new string('0', 62));
        var data = new byte[2 * 1024 * 1024];
        Random.Shared.NextBytes(data);

        var e = await Assert.ThrowsAnyAsync<IOException>(() => store.PutAsync(name, data, CancellationToken.None));

        Assert.IsNotType<BlobExistsException>(e);
        Assert.Empty(Directory.GetFiles(root, "*", SearchOption.AllDirectories));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.GetAsync(name, CancellationToken.None));
        if (simulation == Simulation.TinyFileSystem)
        {
            // The failed put gave its space back: an object that fits still goes in.
            await store.PutAsync(name, data.AsMemory(0, 512 * 1024), CancellationToken.None);
            Assert.Equal(data.AsSpan(0, 512 * 1024).ToArray(), await store.GetAsync(name, CancellationToken.None));
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Listing_skips_temporary_files()
    {
        var root = Path.Combine(directory, "repo");
        var store = LocalBlobStore.Create(root);
        var key = new BlobName(BlobKind.Key, "k1");
        var pack = new BlobName(BlobKind.Pack, "ab12");
        await store.PutAsync(key, new byte[3], CancellationToken.None);
        await store.PutAsync(pack, new byte[5], CancellationToken.None);
        File.WriteAllBytes(Path.Combine(root, "keys", ".tmp-0123456789abcdef"), new byte[7]);
        File.WriteAllBytes(Path.Combine(root, "data", "ab", ".tmp-0123456789abcdef"), new byte[7]);
        File.WriteAllBytes(Path.Combine(root, "data", ".tmp-0123456789abcdef"), new byte[7]);

        Assert.Equal([new BlobInfo(key, 3)], await ListAsync(store, BlobKind.Key));
        Assert.Equal([new BlobInfo(pack, 5)], await ListAsync(store, BlobKind.Pack));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Concurrent_puts_of_one_name_leave_no_temporary_files()
    {
        var root = Path.Combine(directory, "repo");
        var store = LocalBlobStore.Create(root);
        var name = new BlobName(BlobKind.Pack, "cd" + new string('1', 62));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.PutAsync(name, new byte[100_000 + i], CancellationToken.None);
            }
            catch (BlobExistsException)
            {
            }
        })));

        Assert.Equal([Path.Combine(root, "data", "cd", name.Name)], Directory.GetFiles(Path.Combine(root, "data", "cd")));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Create_makes_every_kind_folder_and_Exists_turns_true_once_config_is_stored()
    {
        var root = Path.Combine(directory, "nested", "repo");

        var store = LocalBlobStore.Create(root);

        Assert.Equal(["data", "index", "keys", "locks", "snapshots", "wal"],
            Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(store.Exists);
        await store.PutAsync(new BlobName(BlobKind.Config, "config"), new byte[10], CancellationToken.None);
        Assert.True(store.Exists);
        Assert.True(File.Exists(Path.Combine(root, "config")));
    }

    /// <summary>A missing root is usually an unmounted disk; filling the mount point instead would hide it.</summary>
    [Fact]
    public async Task A_store_whose_root_is_missing_refuses_puts_and_listings_and_does_not_create_it()
    {
        var root = Path.Combine(directory, "missing");
        var store = new LocalBlobStore(root);

        await Assert.ThrowsAsync<DirectoryNotFoundException>(
            () => store.PutAsync(new BlobName(BlobKind.Pack, "ab12"), new byte[1], CancellationToken.None));
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => ListAsync(store, BlobKind.Pack));
        Assert.False(Directory.Exists(root));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task A_missing_kind_folder_lists_as_empty()
    {
        var root = Path.Combine(directory, "repo");
        Directory.CreateDirectory(root);
        var store = new LocalBlobStore(root);

        Assert.Empty(await ListAsync(store, BlobKind.Pack));
        Assert.Empty(await ListAsync(store, BlobKind.Snapshot));
        Assert.Empty(await ListAsync(store, BlobKind.Config));
    }

    /// <summary>See the test name.</summary>
    [Theory]
    [InlineData(BlobKind.Key, "")]
    [InlineData(BlobKind.Key, "..")]
    [InlineData(BlobKind.Snapshot, "../config")]
    [InlineData(BlobKind.Index, "a/b")]
    [InlineData(BlobKind.Lock, ".tmp-0123")]
    [InlineData(BlobKind.Pack, "a")]
    public async Task Names_that_could_escape_their_folder_or_pass_for_temporary_files_are_rejected(BlobKind kind, string name)
    {
        var store = LocalBlobStore.Create(Path.Combine(directory, "repo"));

        await Assert.ThrowsAsync<ArgumentException>(
            () => store.PutAsync(new BlobName(kind, name), new byte[1], CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync(new BlobName(kind, name), CancellationToken.None));
    }

    private enum Simulation
    {
        TinyFileSystem,
        ReadOnlyFolder,
    }

    // Mounts a 1 MiB tmpfs on the root when that is allowed (root with CAP_SYS_ADMIN); otherwise makes the pack folder
    // read-only, which fails the put earlier but must leave the same nothing behind.
    private Simulation PrepareFullDisk(string root, Func<LocalBlobStore> create)
    {
        Directory.CreateDirectory(root);
        if (Run("mount", $"-t tmpfs -o size=1m tmpfs {root}") == 0)
        {
            mountPoint = root;
            create();
            return Simulation.TinyFileSystem;
        }

        create();
        var data = Path.Combine(root, "data");
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var probe = Path.Combine(data, "probe");
        try
        {
            File.WriteAllBytes(probe, []);
        }
        catch (UnauthorizedAccessException)
        {
            return Simulation.ReadOnlyFolder;
        }

        File.Delete(probe);
        Assert.Fail("cannot simulate a full disk here: mount -t tmpfs is not permitted and a read-only folder does not " +
            "stop this user from writing (CAP_DAC_OVERRIDE without CAP_SYS_ADMIN)");
        throw new UnreachableException();
    }

    private static int Run(string program, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private static void MakeWritable(string path)
    {
        foreach (var folder in Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories).Prepend(path))
        {
            File.SetUnixFileMode(folder, File.GetUnixFileMode(folder) | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static async Task<List<BlobInfo>> ListAsync(IBlobStore store, BlobKind kind)
    {
        var list = new List<BlobInfo>();
        await foreach (var info in store.ListAsync(kind, CancellationToken.None))
        {
            list.Add(info);
        }
        return list;
    }
}
