using System.Globalization;
using System.Text;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// Walks the structure of an RDB file (versions up to 12, Redis 2.6 to 7.2) without decoding values, counting the keys of
/// each database and those with a TTL: the exact content of the snapshot, which <c>INFO keyspace</c> taken before or
/// after the transfer is not under writes. Throws <see cref="InvalidDataException"/> on a structure it does not
/// know (a newer version, a module type without the self-describing format) or a truncated file.
/// </summary>
public sealed class RdbKeyCounter
{
    private const int OpSlotInfo = 0xF4, OpFunction2 = 0xF5, OpModuleAux = 0xF7, OpIdle = 0xF8, OpFreq = 0xF9, OpAux = 0xFA,
        OpResizeDb = 0xFB, OpExpireMs = 0xFC, OpExpireSeconds = 0xFD, OpSelectDb = 0xFE, OpEof = 0xFF;

    private readonly Stream _input;
    private readonly byte[] _skip = new byte[64 * 1024];
    private readonly Dictionary<long, long> _keys = [];
    private readonly Dictionary<long, long> _expires = [];

    private RdbKeyCounter(Stream input) => _input = input;

    /// <summary>Reads <paramref name="rdb"/> up to and including its checksum and counts its keys.</summary>
    public static RdbKeyCounts Count(Stream rdb) => new RdbKeyCounter(new BufferedStream(rdb, 64 * 1024)).Run();

    private RdbKeyCounts Run()
    {
        var header = new byte[9];
        ReadExact(header);
        if (!header.AsSpan(0, 5).SequenceEqual("REDIS"u8)
            || !int.TryParse(Encoding.ASCII.GetString(header, 5, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new InvalidDataException("not an RDB file: it does not start with REDIS and a version number");
        }
        if (version > 12)
        {
            throw new InvalidDataException($"RDB version {version} is newer than this Lifeboat knows (12)");
        }
        long db = 0;
        var expiring = false;
        while (true)
        {
            var type = ReadByte();
            switch (type)
            {
                case OpEof:
                    if (version >= 5)
                    {
                        Skip(8);
                    }
                    return new RdbKeyCounts(version, _keys, _expires);
                case OpSelectDb:
                    db = ReadLength();
                    break;
                case OpExpireSeconds:
                    Skip(4);
                    expiring = true;
                    break;
                case OpExpireMs:
                    Skip(8);
                    expiring = true;
                    break;
                case OpResizeDb:
                    ReadLength();
                    ReadLength();
                    break;
                case OpAux:
                    SkipString();
                    SkipString();
                    break;
                case OpFreq:
                    Skip(1);
                    break;
                case OpIdle:
                    ReadLength();
                    break;
                case OpModuleAux:
                    ReadLength();
                    SkipModuleValue();
                    break;
                case OpFunction2:
                    SkipString();
                    break;
                case OpSlotInfo:
                    ReadLength();
                    ReadLength();
                    ReadLength();
                    break;
                default:
                    SkipString();
                    SkipValue(type);
                    _keys[db] = _keys.GetValueOrDefault(db) + 1;
                    if (expiring)
                    {
                        _expires[db] = _expires.GetValueOrDefault(db) + 1;
                    }
                    expiring = false;
                    break;
            }
        }
    }

    private void SkipValue(int type)
    {
        switch (type)
        {
            case 0: // string
            case 9: // zipmap
            case 10: // ziplist list
            case 11: // intset
            case 12: // ziplist zset
            case 13: // ziplist hash
            case 16: // listpack hash
            case 17: // listpack zset
            case 20: // listpack set
                SkipString();
                break;
            case 1: // list
            case 2: // set
            case 14: // quicklist of ziplists
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                }
                break;
            case 3: // zset with scores as strings
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    var length = ReadByte();
                    // 253, 254, 255: NaN, +inf, -inf with no bytes following.
                    if (length < 253)
                    {
                        Skip(length);
                    }
                }
                break;
            case 4: // hash
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    SkipString();
                }
                break;
            case 5: // zset with binary scores
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    Skip(8);
                }
                break;
            case 7: // module, self-describing
                ReadLength();
                SkipModuleValue();
                break;
            case 18: // quicklist of listpacks: container kind, then the node
                for (var n = ReadLength(); n > 0; n--)
                {
                    ReadLength();
                    SkipString();
                }
                break;
            case 15 or 19 or 21:
                SkipStream(type);
                break;
            default:
                throw new InvalidDataException($"RDB value type {type} is not known to this Lifeboat");
        }
    }

    private void SkipStream(int type)
    {
        for (var n = ReadLength(); n > 0; n--)
        {
            SkipString();
            SkipString();
        }
        // Length, last ID; from type 19 also first ID, max deleted ID and entries added.
        for (var i = type >= 19 ? 8 : 3; i > 0; i--)
        {
            ReadLength();
        }
        for (var groups = ReadLength(); groups > 0; groups--)
        {
            SkipString();
            ReadLength();
            ReadLength();
            if (type >= 19)
            {
                ReadLength();
            }
            for (var pending = ReadLength(); pending > 0; pending--)
            {
                Skip(16 + 8);
                ReadLength();
            }
            for (var consumers = ReadLength(); consumers > 0; consumers--)
            {
                SkipString();
                Skip(type >= 21 ? 16 : 8);
                for (var pending = ReadLength(); pending > 0; pending--)
                {
                    Skip(16);
                }
            }
        }
    }

    private void SkipModuleValue()
    {
        while (true)
        {
            switch (ReadLength())
            {
                case 0: // end of the module's value
                    return;
                case 1 or 2: // signed, unsigned integer
                    ReadLength();
                    break;
                case 3: // float
                    Skip(4);
                    break;
                case 4: // double
                    Skip(8);
                    break;
                case 5: // string
                    SkipString();
                    break;
                default:
                    throw new InvalidDataException("a module value in the RDB has an unknown field type");
            }
        }
    }

    private long ReadLength()
    {
        var (value, encoded) = ReadLengthOrEncoding();
        return encoded ? throw new InvalidDataException("an RDB length is encoded as a string") : value;
    }

    private (long Value, bool Encoded) ReadLengthOrEncoding()
    {
        var first = ReadByte();
        switch (first >> 6)
        {
            case 0:
                return (first & 0x3F, false);
            case 1:
                return (((first & 0x3F) << 8) | ReadByte(), false);
            case 3:
                return (first & 0x3F, true);
        }
        var width = first switch
        {
            0x80 => 4,
            0x81 => 8,
            _ => throw new InvalidDataException($"RDB length prefix 0x{first:x2} is invalid"),
        };
        long value = 0;
        for (var i = 0; i < width; i++)
        {
            value = (value << 8) | (long)ReadByte();
        }
        return value < 0 ? throw new InvalidDataException("an RDB length is out of range") : (value, false);
    }

    private void SkipString()
    {
        var (value, encoded) = ReadLengthOrEncoding();
        if (!encoded)
        {
            Skip(value);
            return;
        }
        switch (value)
        {
            case 0:
                Skip(1);
                break;
            case 1:
                Skip(2);
                break;
            case 2:
                Skip(4);
                break;
            case 3: // LZF: compressed length, uncompressed length, compressed bytes
                var compressed = ReadLength();
                ReadLength();
                Skip(compressed);
                break;
            default:
                throw new InvalidDataException($"RDB string encoding {value} is invalid");
        }
    }

    private int ReadByte()
    {
        var b = _input.ReadByte();
        return b >= 0 ? b : throw new InvalidDataException("the RDB file ends in the middle of a value");
    }

    private void ReadExact(byte[] buffer)
    {
        try
        {
            _input.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the RDB file ends in its header");
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            var read = _input.Read(_skip, 0, (int)Math.Min(count, _skip.Length));
            if (read == 0)
            {
                throw new InvalidDataException("the RDB file ends in the middle of a value");
            }
            count -= read;
        }
    }
}
