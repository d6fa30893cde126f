namespace Lifeboat.Storage;

/// <summary>
/// One object opened for many ranged reads (a pack a restore reads chunk after chunk), so a local store opens the
/// file once instead of once per read. Reads follow <see cref="IBlobStore.ReadAtAsync"/>'s contract. One reader serves
/// one caller at a time; dispose it to release the object.
/// </summary>
public interface IBlobReader : IDisposable
{
    /// <summary>Reads <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/>; throws if the object is shorter.</summary>
    ValueTask ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);
}
