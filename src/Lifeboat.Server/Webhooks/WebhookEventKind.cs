namespace Lifeboat.Server.Webhooks;

/// <summary>What a webhook reports.</summary>
public enum WebhookEventKind
{
    /// <summary>A run failed after every retry.</summary>
    Failure,

    /// <summary>The newest successful backup became older than the component's RPO.</summary>
    RpoBreach,

    /// <summary>A successful run after a failure or a breach.</summary>
    Recovery,
}
