namespace Lifeboat.Cli;

/// <summary>How to start this very Lifeboat again: for the background process of <c>wal push</c> and for scripts.</summary>
internal static class ThisProgram
{
    /// <summary>Its executable, or dotnet and the assembly when it runs as <c>dotnet Lifeboat.Cli.dll</c>.</summary>
    public static string[] Command()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this program is unknown");
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? [path, typeof(Program).Assembly.Location] : [path];
    }
}
