using System.Text;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The archive_command script <c>lifeboat wal archive-script</c> writes: it sets the environment <c>wal push</c> needs
/// (PostgreSQL runs archive_command as its own user with its own environment) and finishes a push that a spool marker
/// proves without starting Lifeboat at all. PostgreSQL starts one archive_command per segment, and a .NET process costs
/// 30-50 ms of CPU before it does anything; a POSIX shell and one <c>stat</c> cost about 2 ms. The proof is the one
/// <see cref="WalSpool.TryConsume"/> makes from a file stamp: the marker (<see cref="WalSpoolMarker"/>) names this
/// repository, component and file, and <c>stat</c> (which, like <see cref="WalFileStamp.Of"/>, does not follow a final
/// symbolic link) gives the device, inode, size, mtime and ctime the marker recorded. Anything else, including a marker
/// that proves nothing this way (no stamp, another format, a changed file), goes to <c>wal push</c>, which decides.
/// </summary>
public static class WalArchiveScript
{
    // What the script waits for a claimed marker at most, as a push does (see WalSpool.WaitForAhead).
    private const int WaitSeconds = 120;
    private const int PollMilliseconds = 20;
    private const string ClaimFile = WalSpool.ClaimName;

    /// <summary>
    /// The script. <paramref name="program"/> is the command that runs Lifeboat (its path, or dotnet and the assembly);
    /// <paramref name="environment"/> the variables to export (names and values, e.g. the repository and key file);
    /// <paramref name="repositoryIdentity"/> the repository as markers record it; <paramref name="spool"/> the spool
    /// folder, or null for the default (<c>lifeboat-spool</c> beside <c>pg_wal</c>, as <see cref="WalSpool.DefaultDirectory"/>).
    /// </summary>
    public static string Render(IReadOnlyList<string> program, IReadOnlyList<(string Name, string Value)> environment,
        string repositoryIdentity, string component, string? spool, int batch)
    {
        var text = new StringBuilder();
        text.Append("""
            #!/bin/sh
            # PostgreSQL's archive_command, written by 'lifeboat wal archive-script':
            #   archive_command = '/path/to/this/script %p'
            # A segment that Lifeboat already archived ahead is proved here by its spool marker, as 'lifeboat wal push'
            # proves it: the marker names this repository, component and file, and the file still has the device, inode,
            # size, mtime and ctime recorded when it was read (ctime moves on every write, rename and chmod). Everything
            # else goes to 'lifeboat wal push', which decides. Regenerate this script rather than editing it.
            set -u

            """);
        foreach (var (name, value) in environment)
        {
            text.Append("export ").Append(name).Append('=').Append(Quote(value)).Append('\n');
        }
        text.Append("wal=$1\n");
        text.Append("name=${wal##*/}\n");
        text.Append("case $wal in */*) dir=${wal%/*} ;; *) dir=. ;; esac\n");
        if (spool is not null)
        {
            text.Append("spool=").Append(Quote(spool)).Append('\n');
        }
        else
        {
            // The folder beside pg_wal, named without following pg_wal when it is a symbolic link (as GetFullPath does).
            text.Append("""
                spool=
                if [ -d "$dir/archive_status" ]; then
                  case $dir in
                    pg_wal) spool=lifeboat-spool ;;
                    */pg_wal) spool=${dir%/*}/lifeboat-spool ;;
                  esac
                fi

                """);
        }
        text.Append($$"""
            # True when the marker proves the file is archived (see above).
            proved() {
              [ -n "$spool" ] && [ -f "$spool/$name" ] \
                && { IFS= read -r tag && IFS= read -r file && IFS= read -r sha && IFS= read -r component && IFS= read -r repository && IFS= read -r stamp; } <"$spool/$name" \
                && [ "$tag" = {{Quote(WalSpoolMarker.Tag)}} ] && [ "$file" = "$name" ] \
                && [ "$component" = {{Quote(component)}} ] && [ "$repository" = {{Quote(repositoryIdentity)}} ] \
                && now=$(stat -c '%d %i %s %.9Y %.9Z' "$wal" 2>/dev/null) || return 1
              set -- $now
              [ $# -eq 5 ] && [ "$stamp" = "$1 $2 $3 ${4%.*}${4#*.} ${5%.*}${5#*.}" ]
            }
            # The process archiving ahead that claims this file while it runs ('wal ahead' in its command line), or empty.
            claimant() {
              [ -n "$spool" ] && [ -f "$spool/{{ClaimFile}}" ] || return 0
              n=0 pid= holder=
              while IFS= read -r line; do
                n=$((n + 1))
                case $n in
                  1) [ "$line" = {{Quote(WalAheadClaim.Tag)}} ] || return 0 ;;
                  2) pid=$line ;;
                  *) [ "$line" = "$name" ] && holder=$pid ;;
                esac
              done <"$spool/{{ClaimFile}}"
              [ -n "$holder" ] && case $(tr '\000' ' ' <"/proc/$holder/cmdline" 2>/dev/null) in *' wal ahead '*) echo "$holder" ;; esac
              return 0
            }
            if proved; then
              rm -f "$spool/$name"
              exit 0
            fi
            # Claimed but not archived yet: wait for the marker while that process runs (at most {{WaitSeconds}} s),
            # instead of starting Lifeboat beside it. Each poll starts a sleep process, CPU taken from the archiving
            # itself, so it polls every {{PollMilliseconds}} ms: the waits end as the background process's markers come.
            holder=$(claimant)
            if [ -n "$holder" ]; then
              polls=0
              while [ ! -f "$spool/$name" ] && kill -0 "$holder" 2>/dev/null && [ $polls -lt {{WaitSeconds * 1000 / PollMilliseconds}} ]; do
                sleep {{(PollMilliseconds / 1000.0).ToString(System.Globalization.CultureInfo.InvariantCulture)}}
                polls=$((polls + 1))
              done
              if proved; then
                rm -f "$spool/$name"
                exit 0
              fi
            fi

            """);
        text.Append("exec");
        foreach (var word in program)
        {
            text.Append(' ').Append(Quote(word));
        }
        text.Append(" wal push --quiet --component ").Append(Quote(component));
        if (spool is not null)
        {
            text.Append(" --spool ").Append(Quote(spool));
        }
        text.Append(" --batch ").Append(batch.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" \"$wal\"\n");
        return text.ToString();
    }

    // A single-quoted shell word: nothing inside is expanded; a quote is closed, escaped and reopened.
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
