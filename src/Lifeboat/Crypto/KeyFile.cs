using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Repository;

namespace Lifeboat.Crypto;

/// <summary>
/// A key file: the master key sealed with a key derived from a password by PBKDF2-SHA256.
/// Stored in clear JSON (it holds nothing usable without the password); its name is the SHA-256 of its bytes.
/// </summary>
public sealed record KeyFile
{
    /// <summary>The minimum iteration count accepted when reading, so a tampered file cannot weaken the KDF.</summary>
    public const int MinimumIterations = 600_000;
    private const int DefaultIterations = 600_000;
    private static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("lifeboat-key-v1");

    /// <summary>Format version; 1.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>When the key was added (UTC).</summary>
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    /// <summary>Host that added the key.</summary>
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    /// <summary>User that added the key.</summary>
    [JsonPropertyName("username")] public string Username { get; init; } = "";
    /// <summary>Always "pbkdf2-sha256".</summary>
    [JsonPropertyName("kdf")] public string Kdf { get; init; } = "pbkdf2-sha256";
    /// <summary>
    /// An append-only key: sessions opened with it may add data and snapshots but delete nothing. The flag is bound
    /// into the sealed master key's associated data, so editing it in the file makes the key unusable.
    /// </summary>
    [JsonPropertyName("appendOnly")] public bool AppendOnly { get; init; }
    /// <summary>PBKDF2 iteration count.</summary>
    [JsonPropertyName("iterations")] public int Iterations { get; init; }
    /// <summary>32-byte random salt, base64.</summary>
    [JsonPropertyName("salt")] public string Salt { get; init; } = "";
    /// <summary>The sealed 64-byte master key, base64 (nonce, ciphertext, tag).</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "";

    /// <summary>Wraps <paramref name="masterKey"/> under <paramref name="password"/>.</summary>
    public static KeyFile Create(MasterKey masterKey, string password, int iterations = DefaultIterations, bool appendOnly = false)
    {
        var salt = RandomNumberGenerator.GetBytes(32);
        var wrapping = new SecretBox(Derive(password, salt, iterations));
        return new KeyFile
        {
            Created = DateTimeOffset.UtcNow,
            Host = Environment.MachineName,
            Username = Environment.UserName,
            Iterations = iterations,
            Salt = Convert.ToBase64String(salt),
            AppendOnly = appendOnly,
            Data = Convert.ToBase64String(wrapping.Seal(masterKey.ToBytes(), AssociatedDataFor(appendOnly))),
        };
    }

    /// <summary>
    /// Unwraps the master key. Throws <see cref="WrongPasswordException"/> when the password does not open it and
    /// <see cref="CorruptObjectException"/> when the file is malformed.
    /// </summary>
    public MasterKey Unwrap(string password)
    {
        if (Salt is null || Data is null)
        {
            throw new CorruptObjectException("key file lacks its salt or data");
        }
        if (Version != 1 || Kdf != "pbkdf2-sha256")
        {
            throw new CorruptObjectException($"key file has unsupported version {Version} or KDF '{Kdf}'");
        }
        if (Iterations < MinimumIterations || Iterations > 100_000_000)
        {
            throw new CorruptObjectException($"key file asks for {Iterations} PBKDF2 iterations, outside the accepted range");
        }
        byte[] salt, sealedKey;
        try
        {
            salt = Convert.FromBase64String(Salt);
            sealedKey = Convert.FromBase64String(Data);
        }
        catch (FormatException)
        {
            throw new CorruptObjectException("key file salt or data is not valid base64");
        }
        if (salt.Length < 16 || sealedKey.Length != MasterKey.Size + SecretBox.Overhead)
        {
            throw new CorruptObjectException("key file salt or data has the wrong length");
        }
        var wrapping = new SecretBox(Derive(password, salt, Iterations));
        try
        {
            return MasterKey.FromBytes(wrapping.Open(sealedKey, AssociatedDataFor(AppendOnly)));
        }
        catch (CorruptObjectException)
        {
            throw new WrongPasswordException("wrong password: no key of this repository opens with it");
        }
    }

    /// <summary>Serializes to UTF-8 JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RepositoryJson.Default.KeyFile);

    /// <summary>Parses UTF-8 JSON; throws <see cref="CorruptObjectException"/> on malformed input.</summary>
    public static KeyFile FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RepositoryJson.Default.KeyFile)
                ?? throw new CorruptObjectException("key file is empty");
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"key file is not valid JSON: {e.Message}");
        }
    }

    private static byte[] AssociatedDataFor(bool appendOnly) =>
        appendOnly ? [.. AssociatedData, .. Encoding.ASCII.GetBytes("-append-only")] : AssociatedData;

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
}
