namespace Lifeboat.Sources.Redis;

/// <summary>The RESP2 reply types.</summary>
public enum RespType
{
    /// <summary><c>+OK</c></summary>
    SimpleString,
    /// <summary><c>:42</c></summary>
    Integer,
    /// <summary><c>$3\r\nabc</c></summary>
    Bulk,
    /// <summary><c>*2\r\n...</c></summary>
    Array,
    /// <summary><c>$-1</c> or <c>*-1</c></summary>
    Null,
}
