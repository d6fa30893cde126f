namespace Lifeboat.Plan;

/// <summary>A secret named by the plan: an environment variable or a file. Its value is read only when needed.</summary>
public sealed record PlanSecret(string? Variable, string? File)
{
    /// <summary>Reads the secret; throws <see cref="InvalidOperationException"/> saying what to set when it is missing.</summary>
    public string Read()
    {
        if (Variable is not null)
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            return string.IsNullOrEmpty(value) ? throw new InvalidOperationException($"the environment variable {Variable} named in the plan is not set; export it") : value;
        }
        try
        {
            var text = System.IO.File.ReadAllText(File!).TrimEnd('\r', '\n');
            return text.Length == 0 ? throw new InvalidOperationException($"the secret file {File} named in the plan is empty") : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read the secret file {File} named in the plan: {e.Message}");
        }
    }

    /// <summary>Whether a key names a secret that must not be written literally (password, secret, token, …).</summary>
    public static bool IsSecretKey(string key) =>
        key is "password" or "secret" or "token" or "secret-key" or "access-key" or "api-key" or "passphrase";

    /// <summary>The error for a secret written literally in the plan.</summary>
    public static PlanError LiteralError(PlanMark mark, string key) => new(mark,
        $"'{key}:' writes a secret into the plan, which is refused",
        $"put it in an environment variable ({key}-env: NAME) or a file only the backup user can read ({key}-file: PATH)");
}
