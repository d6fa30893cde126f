using Microsoft.Extensions.Hosting;

namespace Lifeboat.Server.Hosting;

/// <summary>
/// A host lifetime that does nothing: SIGTERM and Ctrl-C are handled by <c>lifeboat serve</c> itself, which stops
/// the scheduler with its grace period before the web server, instead of the console lifetime stopping the host.
/// </summary>
internal sealed class ServerHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
