namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>What a WAL copy did: clusters copied, files sent now, files the destination already held, bytes of the files sent.</summary>
public sealed record WalCopyReport(int Clusters, int Files, int AlreadyThere, long Bytes);
