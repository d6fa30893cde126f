using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Repository;

/// <summary>
/// An independent reader's view of docs/repository-format.md §3 and §4: key files opened byte by byte with the
/// documented derivation and associated data, without Lifeboat's own key code, and the master key they hold checked
/// against the config and a chunk ID.
/// </summary>
public sealed class KeyFormatTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_key_file_opens_by_the_documented_derivation_with_the_documented_associated_data(bool appendOnly, bool randomSecret)
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        var repository = await TestRepository.InitAsync(store);
        var secret = randomSecret ? KeyFile.NewRandomSecret() : "a password for the format test";
        var name = randomSecret
            ? await repository.AddRandomSecretKeyAsync(secret, CancellationToken.None, appendOnly)
            : await repository.AddKeyAsync(secret, CancellationToken.None, appendOnly: appendOnly);

        // §1, §3: keys/<name>, where name is the SHA-256 of the file's bytes.
        var bytes = await File.ReadAllBytesAsync(_temp[$"repo/keys/{name}"]);
        Assert.Equal(name.ToString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));

        // §3: the fields, in the documented order (§2: declaration order, nulls omitted).
        using var json = JsonDocument.Parse(bytes);
        var root = json.RootElement;
        Assert.Equal(["version", "created", "host", "username", "kdf", "appendOnly", "iterations", "salt", "data"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(appendOnly, root.GetProperty("appendOnly").GetBoolean());
        var salt = Convert.FromBase64String(root.GetProperty("salt").GetString()!);
        var data = Convert.FromBase64String(root.GetProperty("data").GetString()!);
        Assert.Equal(32, salt.Length);
        Assert.Equal(92, data.Length);

        byte[] wrapping;
        if (randomSecret)
        {
            Assert.Equal("hkdf-sha256", root.GetProperty("kdf").GetString());
            Assert.Equal(0, root.GetProperty("iterations").GetInt32());
            wrapping = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(secret), 32, salt, "lifeboat-key-file-v1"u8.ToArray());
        }
        else
        {
            Assert.Equal("pbkdf2-sha256", root.GetProperty("kdf").GetString());
            var iterations = root.GetProperty("iterations").GetInt32();
            Assert.Equal(600_000, iterations);
            wrapping = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, 32);
        }
        // §3: the associated data of an append-only key is "lifeboat-key-v1-append-only"; of any other, "lifeboat-key-v1".
        var master = Open(wrapping, data, appendOnly ? "lifeboat-key-v1-append-only" : "lifeboat-key-v1");
        Assert.Equal(64, master.Length);
        Assert.Throws<AuthenticationTagMismatchException>(() => Open(wrapping, data, appendOnly ? "lifeboat-key-v1" : "lifeboat-key-v1-append-only"));

        // §5: bytes 0-31 open the config; §7: bytes 32-63 make chunk IDs.
        using var config = JsonDocument.Parse(Open(master[..32], await File.ReadAllBytesAsync(_temp["repo/config"]), "lifeboat-config"));
        Assert.Equal(1, config.RootElement.GetProperty("version").GetInt32());
        var plaintext = "a chunk"u8.ToArray();
        Assert.Equal(repository.Key.IdOf(plaintext).ToString(), Convert.ToHexStringLower(HMACSHA256.HashData(master[32..], SHA256.HashData(plaintext))));
    }

    // §4: nonce 12 ‖ ciphertext ‖ tag 16, AES-256-GCM.
    private static byte[] Open(byte[] key, byte[] sealedBytes, string associatedData)
    {
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length), plain, Encoding.ASCII.GetBytes(associatedData));
        return plain;
    }
}
