using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Lifeboat.Storage.S3;

namespace Lifeboat.Tests.Storage;

/// <summary>
/// A real s3rver (tests/s3, installed by <c>npm ci --prefix tests/s3</c>) started as a child process on 127.0.0.1 with a
/// free port and a temporary directory, with one bucket. Shared by the tests of the "s3rver" collection; each test
/// works under its own key prefix, so every store it makes starts empty.
/// </summary>
public sealed partial class S3rverFixture : IAsyncLifetime
{
    /// <summary>The bucket s3rver creates at startup.</summary>
    public const string Bucket = "lifeboat";

    /// <summary>The credentials s3rver accepts.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("S3RVER", "S3RVER");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lifeboat-s3rver-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    /// <summary>The server's endpoint, <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Test options: a short backoff so retries cost little time.</summary>
    public static S3BlobStoreOptions FastRetries { get; } = new()
    {
        Credentials = Credentials,
        MaxAttempts = 6,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(500),
        AttemptTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>An <c>s3:</c> URL for a fresh prefix in the bucket, through <paramref name="endpoint"/> (default: the server).</summary>
    public string NewLocation(Uri? endpoint = null) =>
        $"s3:{(endpoint ?? Endpoint).GetLeftPart(UriPartial.Authority)}/{Bucket}/t-{Guid.NewGuid():N}";

    /// <summary>A store at a fresh, empty prefix.</summary>
    public S3BlobStore NewStore(Uri? endpoint = null, S3BlobStoreOptions? options = null) =>
        new(S3Location.Parse(NewLocation(endpoint)), options ?? FastRetries);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "s3", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"{script} is missing: run 'npm ci --prefix tests/s3' (tests/run.sh does)");
        }
        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo("node")
        {
            // s3rver encrypts continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
            ArgumentList = { "--openssl-legacy-provider", script, "--directory", _directory, "--address", "127.0.0.1", "--port", "0", "--configure-bucket", Bucket },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Environment.GetEnvironmentVariable("LIFEBOAT_S3RVER_LOG") is not { Length: > 0 })
        {
            start.ArgumentList.Add("--silent");
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stderr = _process.StandardError.ReadToEndAsync();

        // s3rver prints "S3rver listening on 127.0.0.1:PORT" once it accepts connections.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"s3rver exited before listening: {await stderr}");
            }
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                Endpoint = new Uri($"http://127.0.0.1:{match.Groups[1].Value}");
                break;
            }
        }
        // LIFEBOAT_S3RVER_LOG=FILE keeps the server's output for debugging.
        _ = Environment.GetEnvironmentVariable("LIFEBOAT_S3RVER_LOG") is { Length: > 0 } log
            ? Task.Run(async () => await File.WriteAllTextAsync(log, await _process.StandardOutput.ReadToEndAsync() + await stderr))
            : _process.StandardOutput.ReadToEndAsync();

        using var probe = new TcpClient();
        await probe.ConnectAsync("127.0.0.1", Endpoint.Port, timeout.Token);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lifeboat.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Lifeboat.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"listening on [^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
