using System.Globalization;
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
            # size, mtime and ctime recorded when it was read (ctime moves on every write, rename and chmod). When
            # nothing archives ahead, a ready segment starts 'lifeboat wal ahead' for itself and the ready ones after
            # it and waits for its own marker. Everything else goes to 'lifeboat wal push', which decides.
            # Regenerate this script rather than editing it (and after upgrading Lifeboat).
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
                && { IFS= read -r tag && IFS= read -r file && IFS= read -r sha && IFS= read -r component && IFS= read -r repository && IFS= read -r stamp; } 2>/dev/null <"$spool/$name" \
                && [ "$tag" = {{Quote(WalSpoolMarker.Tag)}} ] && [ "$file" = "$name" ] \
                && [ "$component" = {{Quote(component)}} ] && [ "$repository" = {{Quote(repositoryIdentity)}} ] \
                && now=$(stat -c '%d %i %s %.9Y %.9Z' "$wal" 2>/dev/null) || return 1
              set -- $now
              [ $# -eq 5 ] && [ "$stamp" = "$1 $2 $3 ${4%.*}${4#*.} ${5%.*}${5#*.}" ]
            }
            # The process archiving ahead that the spool's claim names, if it still runs ('wal ahead' in its command
            # line): ahead is its pid or empty, and claimed is 1 when it claims this file.
            read_claim() {
              ahead= claimed=
              [ -n "$spool" ] && [ -f "$spool/{{ClaimFile}}" ] || return 0
              n=0 pid= listed=
              while IFS= read -r line; do
                n=$((n + 1))
                case $n in
                  1) [ "$line" = {{Quote(WalAheadClaim.Tag)}} ] || return 0 ;;
                  2) pid=$line ;;
                  *) [ "$line" = "$name" ] && listed=1 ;;
                esac
              done 2>/dev/null <"$spool/{{ClaimFile}}"
              # The claim outlives its process: a /proc file that is gone is no error (nor a line in PostgreSQL's log).
              [ -n "$pid" ] && case $({ tr '\000' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) in *' wal ahead '*) ahead=$pid claimed=$listed ;; esac
              return 0
            }
            # True while process $1 runs; a child of this shell that ended is a zombie (state Z) until it is reaped.
            alive() {
              [ -r "/proc/$1/stat" ] && { IFS= read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
              st=${st##*) }
              [ "${st%% *}" != Z ]
            }

            """);
        if (batch > 0)
        {
            text.Append("""
                # Archives this segment and the ones PostgreSQL marked ready after it, two at a time, in the background,
                # writing a marker for each once it is durable (see 'lifeboat wal push').
                ahead_start() {
                  exec
                """.TrimEnd('\n'));
            AppendProgram(text, program);
            text.Append(" wal ahead --including-path --quiet --component ").Append(Quote(component))
                .Append(" --spool \"$spool\" --batch ").Append(batch.ToString(CultureInfo.InvariantCulture)).Append(" \"$wal\" >/dev/null\n}\n");
        }
        text.Append("""
            if proved; then
              rm -f "$spool/$name"
              exit 0
            fi
            # Claimed but not archived yet: wait for the marker while that process runs, instead of starting Lifeboat
            # beside it.
            read_claim
            holder=
            if [ -n "$claimed" ]; then
              holder=$ahead

            """);
        if (batch > 0)
        {
            // One .NET start instead of two: the background process archives this segment too, and it is running
            // (pushing the next ready segment beside this one) by the time PostgreSQL asks for the next.
            text.Append("""
                elif [ -z "$ahead" ] && [ -n "$spool" ] && [ -d "$dir/archive_status" ] && [ ${#name} -eq 24 ] && case $name in *[!0-9A-F]*) false ;; esac; then
                  # Nothing archives ahead, and this is a segment PostgreSQL marked ready (the background process
                  # archives no history, backup or partial file): start it with this segment first.
                  ahead_start </dev/null &
                  holder=$!

                """);
        }
        text.Append($$"""
            fi
            # Each poll starts a sleep process, CPU taken from the archiving itself, so it polls every {{PollMilliseconds}} ms:
            # the waits end as the background process's markers come (at most {{WaitSeconds}} s).
            if [ -n "$holder" ]; then
              polls=0
              while [ ! -f "$spool/$name" ] && alive "$holder" && [ $polls -lt {{WaitSeconds * 1000 / PollMilliseconds}} ]; do
                sleep {{(PollMilliseconds / 1000.0).ToString(CultureInfo.InvariantCulture)}}
                polls=$((polls + 1))
              done
              if proved; then
                rm -f "$spool/$name"
                exit 0
              fi
            fi
            # Everything else: 'wal push' decides, and its exit status and message are PostgreSQL's. It neither waits
            # for the background process again (this script did) nor starts one (this script does, for a segment).

            """);
        text.Append("exec");
        AppendProgram(text, program);
        text.Append(" wal push --quiet --component ").Append(Quote(component));
        if (spool is not null)
        {
            text.Append(" --spool ").Append(Quote(spool));
        }
        text.Append(" --batch 0 \"$wal\"\n");
        return text.ToString();
    }

    private static void AppendProgram(StringBuilder text, IReadOnlyList<string> program)
    {
        foreach (var word in program)
        {
            text.Append(' ').Append(Quote(word));
        }
    }

    // A single-quoted shell word: nothing inside is expanded; a quote is closed, escaped and reopened.
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
