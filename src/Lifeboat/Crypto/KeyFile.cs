using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Repository;

namespace Lifeboat.Crypto;

/// <summary>
/// A key file: the master key sealed with a key derived from a password by PBKDF2-SHA256, or, for a random 256-bit
/// secret kept in a file (<see cref="RandomSecretKdf"/>), by HKDF-SHA256: a random secret needs no slow KDF, and
/// programs started once per WAL segment then open the repository in microseconds instead of 0.3 s.
/// Stored in clear JSON (it holds nothing usable without the password); its name is the SHA-256 of its bytes.
/// </summary>
public sealed record KeyFile
{
    /// <summary>The minimum iteration count accepted when reading, so a tampered file cannot weaken the KDF.</summary>
    public const int MinimumIterations = 600_000;
    private const int DefaultIterations = 600_000;
    /// <summary>The KDF of key slots opened by a random secret from a key file.</summary>
    public const string RandomSecretKdf = "hkdf-sha256";
    /// <summary>Bytes of a random secret.</summary>
    public const int RandomSecretBytes = 32;
    private const string PasswordKdf = "pbkdf2-sha256";
    private static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("lifeboat-key-v1");

    /// <summary>Format version; 1.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>When the key was added (UTC).</summary>
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    /// <summary>Host that added the key.</summary>
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    /// <summary>User that added the key.</summary>
    [JsonPropertyName("username")] public string Username { get; init; } = "";
    /// <summary>"pbkdf2-sha256" for a password, "hkdf-sha256" for a random secret (<see cref="CreateForRandomSecret"/>).</summary>
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
    /// Wraps <paramref name="masterKey"/> under a random secret (base64 of <see cref="RandomSecretBytes"/> random bytes,
    /// see <see cref="NewRandomSecret"/>); HKDF-SHA256 derives the wrapping key.
    /// </summary>
    public static KeyFile CreateForRandomSecret(MasterKey masterKey, string secret, bool appendOnly = false)
    {
        var salt = RandomNumberGenerator.GetBytes(32);
        var wrapping = new SecretBox(DeriveFromSecret(RandomSecret(secret) ?? throw new ArgumentException("a key-file secret is the base64 of 32 random bytes"), salt));
        return new KeyFile
        {
            Created = DateTimeOffset.UtcNow,
            Host = Environment.MachineName,
            Username = Environment.UserName,
            Kdf = RandomSecretKdf,
            Iterations = 0,
            Salt = Convert.ToBase64String(salt),
            AppendOnly = appendOnly,
            Data = Convert.ToBase64String(wrapping.Seal(masterKey.ToBytes(), AssociatedDataFor(appendOnly))),
        };
    }

    /// <summary>A new random secret for <see cref="CreateForRandomSecret"/>: base64 of 32 random bytes.</summary>
    public static string NewRandomSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(RandomSecretBytes));

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
        if (Version != 1 || Kdf is not (PasswordKdf or RandomSecretKdf))
        {
            throw new CorruptObjectException($"key file has unsupported version {Version} or KDF '{Kdf}'");
        }
        if (Kdf == PasswordKdf && (Iterations < MinimumIterations || Iterations > 100_000_000))
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
        byte[] wrappingKey;
        if (Kdf == RandomSecretKdf)
        {
            // Only a random secret opens such a slot: a password is never run through the fast KDF.
            wrappingKey = RandomSecret(password) is { } secret ? DeriveFromSecret(secret, salt)
                : throw new WrongPasswordException("wrong password: no key of this repository opens with it");
        }
        else
        {
            wrappingKey = Derive(password, salt, Iterations);
        }
        var wrapping = new SecretBox(wrappingKey);
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

    private static byte[]? RandomSecret(string text)
    {
        var bytes = new byte[RandomSecretBytes + 3];
        return Convert.TryFromBase64String(text.Trim(), bytes, out var length) && length == RandomSecretBytes ? bytes[..RandomSecretBytes] : null;
    }

    private static byte[] DeriveFromSecret(byte[] secret, byte[] salt) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt, Encoding.ASCII.GetBytes("lifeboat-key-file-v1"));

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
}
