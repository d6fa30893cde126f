using Lifeboat.Crypto;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Crypto;

public sealed class RandomSecretKeyFileTests
{
    private static readonly MasterKey Key = MasterKey.Generate();

    [Fact]
    public void A_random_secret_opens_its_slot_and_nothing_else_does()
    {
        var secret = KeyFile.NewRandomSecret();
        var file = KeyFile.FromJson(KeyFile.CreateForRandomSecret(Key, secret).ToJson());

        Assert.Equal("hkdf-sha256", file.Kdf);
        Assert.Equal(0, file.Iterations);
        Assert.Equal(Key.ToBytes(), file.Unwrap(secret + "\n").ToBytes());
        Assert.Throws<WrongPasswordException>(() => file.Unwrap(KeyFile.NewRandomSecret()));
        Assert.Throws<WrongPasswordException>(() => file.Unwrap("a human password"));
    }

    [Fact]
    public void A_password_slot_relabelled_as_a_random_secret_slot_opens_with_nothing()
    {
        var secret = KeyFile.NewRandomSecret();
        var passwordSlot = KeyFile.Create(Key, secret);

        Assert.Throws<WrongPasswordException>(() => (passwordSlot with { Kdf = "hkdf-sha256" }).Unwrap(secret));
        Assert.Throws<CorruptObjectException>(() => (KeyFile.CreateForRandomSecret(Key, secret) with { Kdf = "scrypt" }).Unwrap(secret));
    }

    [Fact]
    public async Task A_repository_opens_with_the_random_secret_and_still_with_its_password()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var secret = KeyFile.NewRandomSecret();
        var slot = await repository.AddRandomSecretKeyAsync(secret, CancellationToken.None);

        var bySecret = await global::Lifeboat.Repository.Repository.OpenAsync(store, secret, CancellationToken.None);

        Assert.Equal(slot, bySecret.KeyName);
        Assert.Equal(repository.Key.ToBytes(), bySecret.Key.ToBytes());
        await Assert.ThrowsAsync<WrongPasswordException>(() => global::Lifeboat.Repository.Repository.OpenAsync(store, KeyFile.NewRandomSecret(), CancellationToken.None));
    }
}
