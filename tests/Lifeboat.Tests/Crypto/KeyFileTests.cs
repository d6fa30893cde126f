using System.Text;
using Lifeboat.Crypto;

namespace Lifeboat.Tests.Crypto;

public sealed class KeyFileTests
{
    private static readonly MasterKey Key = MasterKey.Generate();
    private static readonly KeyFile File = KeyFile.Create(Key, "secret");

    [Fact]
    public void The_right_password_unwraps_the_same_master_key()
    {
        var parsed = KeyFile.FromJson(File.ToJson());
        Assert.Equal(Key.ToBytes(), parsed.Unwrap("secret").ToBytes());
        Assert.Equal(600_000, parsed.Iterations);
    }

    [Fact]
    public void A_wrong_password_throws_WrongPasswordException()
    {
        Assert.Throws<WrongPasswordException>(() => File.Unwrap("Secret"));
    }

    [Fact]
    public void A_key_file_that_lowers_the_iteration_count_is_refused_as_corrupt()
    {
        Assert.Throws<CorruptObjectException>(() => (File with { Iterations = 1000 }).Unwrap("secret"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    public void Malformed_key_files_give_a_clear_CorruptObjectException(string json)
    {
        Assert.Throws<CorruptObjectException>(() => KeyFile.FromJson(Encoding.UTF8.GetBytes(json)).Unwrap("secret"));
    }

    [Fact]
    public void Tampered_key_data_is_not_mistaken_for_a_valid_key()
    {
        var data = Convert.FromBase64String(File.Data);
        data[20] ^= 1;
        Assert.Throws<WrongPasswordException>(() => (File with { Data = Convert.ToBase64String(data) }).Unwrap("secret"));
        Assert.Throws<CorruptObjectException>(() => (File with { Data = "@@@" }).Unwrap("secret"));
    }

    [Fact]
    public void Sealed_objects_fail_authentication_when_any_bit_flips_or_the_role_differs()
    {
        var sealedData = Key.Box.Seal("hello"u8, "role-a"u8);
        Assert.Equal("hello"u8.ToArray(), Key.Box.Open(sealedData, "role-a"u8));
        Assert.Throws<CorruptObjectException>(() => Key.Box.Open(sealedData, "role-b"u8));
        for (var i = 0; i < sealedData.Length; i++)
        {
            var copy = (byte[])sealedData.Clone();
            copy[i] ^= 0x10;
            Assert.Throws<CorruptObjectException>(() => Key.Box.Open(copy, "role-a"u8));
        }
        Assert.Throws<CorruptObjectException>(() => Key.Box.Open(sealedData.AsSpan(0, 10), "role-a"u8));
    }

    [Fact]
    public void Chunk_ids_are_keyed_so_two_repositories_name_the_same_content_differently()
    {
        var other = MasterKey.Generate();
        Assert.NotEqual(Key.IdOf("same content"u8), other.IdOf("same content"u8));
        Assert.Equal(Key.IdOf("same content"u8), Key.IdOf("same content"u8));
    }
}
