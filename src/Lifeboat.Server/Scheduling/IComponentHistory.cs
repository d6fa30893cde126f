namespace Lifeboat.Server.Scheduling;

/// <summary>Reads what the repository remembers of a component, so a restarted daemon knows which runs it missed.</summary>
public interface IComponentHistory
{
    /// <summary>The component's history; <see cref="ComponentHistory.None"/> when it never ran. Throws when the repository cannot be read.</summary>
    Task<ComponentHistory> LoadAsync(string component, CancellationToken cancellationToken);
}
