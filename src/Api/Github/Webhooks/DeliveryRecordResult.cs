using Narwhal.Api.Runs;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>
/// What recording a delivery did: the delivery as stored, whether it had been recorded before (then nothing else
/// happened and the stored one is the original), the runs it created and the superseded runs it aborted (their
/// messages and abort broadcasts are the caller's to send, after commit).
/// </summary>
public sealed record DeliveryRecordResult(
    GithubDelivery Delivery,
    bool Duplicate,
    IReadOnlyList<CreateRunResult> Created,
    IReadOnlyList<AbortResult> Superseded);
