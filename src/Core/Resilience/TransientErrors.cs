using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Npgsql;
using Polly.Timeout;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Narwhal.Core.Resilience;

/// <summary>
/// The one classifier of transient infrastructure failures for the whole system: a failure
/// that is worth retrying because the same call may well succeed a moment later.
/// Every Polly pipeline (<see cref="NarwhalResilience"/>) asks this and nothing else.
/// </summary>
/// <remarks>
/// Each exception in the <see cref="Exception.InnerException"/> chain is looked at, outermost
/// first. The first one with a definite verdict decides; a wrapper that is transient "unless
/// its cause says otherwise" (broker unreachable) only leans. Unknown types fall through to
/// their cause, so a transient failure wrapped by any layer is still seen.
///
/// | Exception                                    | Verdict    | Why |
/// |----------------------------------------------|------------|-----|
/// | OperationCanceledException (incl. Task…)     | look inside| the caller's token: never transient on its own; HttpClient's own timeout puts a TimeoutException inside, which is |
/// | TimeoutException, Polly TimeoutRejected      | transient  | the other side was slow |
/// | SocketException                              | transient  | refused, reset, unreachable: the service is restarting or the network blipped |
/// | IOException                                  | transient  | broken or truncated stream (Npgsql's EndOfStream, a reset HTTP body) |
/// | FileNotFound/DirectoryNotFound/PathTooLong   | permanent  | local-file IOExceptions a retry cannot fix |
/// | HttpRequestException with status             | by status  | 408, 429, 5xx except 501/505 transient; other statuses permanent |
/// | HttpRequestException without status          | by error   | connection/DNS/response-ended/proxy transient; TLS, protocol, config permanent; unknown: look inside |
/// | AmazonServiceException                       | by code    | SlowDown, RequestTimeout, InternalError, ServiceUnavailable, Throttling* transient; else 408/429/5xx transient, 4xx permanent; no status: look inside |
/// | AmazonClientException                        | look inside| the SDK wraps IO/socket/HTTP failures |
/// | PostgresException class 08                   | transient  | connection exception |
/// | PostgresException 40001, 40P01               | transient  | serialization failure, deadlock: the transaction may be replayed |
/// | PostgresException 53300                      | transient  | too_many_connections |
/// | PostgresException 57P01, 57P02, 57P03        | transient  | admin/crash shutdown, cannot connect now (server starting) |
/// | PostgresException (any other SqlState)       | permanent  | constraint violations, syntax, permissions... |
/// | NpgsqlException (not from the server)        | IsTransient, else look inside | Npgsql knows its own connection failures |
/// | RabbitMQ AuthenticationFailureException      | permanent  | wrong credentials do not heal |
/// | RabbitMQ ProtocolVersionMismatchException    | permanent  | wrong server |
/// | RabbitMQ BrokerUnreachableException          | transient unless its cause is permanent | wraps the connect attempt's failure |
/// | RabbitMQ ConnectFailureException             | transient  | TCP connect to the broker failed |
/// | RabbitMQ OperationInterruptedException / AlreadyClosedException | by reply code | 403/404/405/406/402/530/540/5xx-frame errors permanent (the request is wrong); connection-forced (320), internal-error (541), resource-error (506), library/peer closes transient; closed by our own application: permanent |
/// | RabbitMQ PublishException                    | nack transient, return permanent | a nack is the broker failing; a return means nothing routes the message |
/// | AggregateException                           | transient when every inner one is |
/// | anything else                                | permanent  | |
/// </remarks>
public static class TransientErrors
{
    private enum Verdict { Unknown, Transient, Permanent, TransientUnlessCauseIsPermanent }

    /// <summary>True when <paramref name="ex"/> (or what it wraps) is a transient infrastructure failure.</summary>
    public static bool IsTransient(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var leaning = false;
        for (var current = ex; current is not null; current = current.InnerException)
        {
            switch (Classify(current))
            {
                case Verdict.Transient: return true;
                case Verdict.Permanent: return false;
                case Verdict.TransientUnlessCauseIsPermanent: leaning = true; break;
            }
        }
        return leaning;
    }

    private static Verdict Classify(Exception ex) => ex switch
    {
        AggregateException agg => agg.InnerExceptions.Count > 0 && agg.InnerExceptions.All(IsTransient)
            ? Verdict.Transient
            : Verdict.Permanent,

        // Cancellation: only what it wraps can make it transient (HttpClient.Timeout → TimeoutException inside).
        OperationCanceledException => Verdict.Unknown,
        TimeoutException or TimeoutRejectedException => Verdict.Transient,

        // Postgres: before NpgsqlException (its base) and before the IO cases.
        PostgresException pg => ClassifySqlState(pg.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient ? Verdict.Transient : Verdict.Unknown,

        // RabbitMQ.Client 7.1.2.
        AuthenticationFailureException or PossibleAuthenticationFailureException => Verdict.Permanent,
        ProtocolVersionMismatchException => Verdict.Permanent,
        BrokerUnreachableException => Verdict.TransientUnlessCauseIsPermanent,
        ConnectFailureException => Verdict.Transient,
        OperationInterruptedException interrupted => ClassifyAmqpShutdown(interrupted),
        PublishException publish => publish.IsReturn ? Verdict.Permanent : Verdict.Transient,

        // AWS SDK: AmazonServiceException before AmazonClientException (its base).
        AmazonServiceException aws => ClassifyAmazon(aws),
        AmazonClientException => Verdict.Unknown,

        HttpRequestException http => ClassifyHttp(http),

        SocketException => Verdict.Transient,
        FileNotFoundException or DirectoryNotFoundException or PathTooLongException or DriveNotFoundException => Verdict.Permanent,
        IOException => Verdict.Transient,

        _ => Verdict.Unknown,
    };

    private static Verdict ClassifySqlState(string sqlState) => sqlState switch
    {
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => Verdict.Transient, // connection exception class
        "40001" => Verdict.Transient, // serialization_failure
        "40P01" => Verdict.Transient, // deadlock_detected
        "53300" => Verdict.Transient, // too_many_connections
        "57P01" => Verdict.Transient, // admin_shutdown
        "57P02" => Verdict.Transient, // crash_shutdown
        "57P03" => Verdict.Transient, // cannot_connect_now
        _ => Verdict.Permanent,
    };

    private static Verdict ClassifyAmqpShutdown(OperationInterruptedException ex)
    {
        var reason = ex.ShutdownReason;
        if (reason is null) return Verdict.Transient;
        // Our own code closed the channel or connection: retrying on it cannot work.
        if (reason.Initiator == ShutdownInitiator.Application) return Verdict.Permanent;
        return reason.ReplyCode switch
        {
            Constants.AccessRefused or Constants.NotFound or Constants.ResourceLocked
                or Constants.PreconditionFailed or Constants.InvalidPath or Constants.NotAllowed
                or Constants.NotImplemented or Constants.CommandInvalid or Constants.SyntaxError
                or Constants.FrameError or Constants.UnexpectedFrame or Constants.ChannelError
                or Constants.ContentTooLarge => Verdict.Permanent,
            // ConnectionForced (320, broker shutting down), InternalError (541), ResourceError (506),
            // ReplySuccess (200) from a peer/library close, or a dropped socket.
            _ => Verdict.Transient,
        };
    }

    private static Verdict ClassifyAmazon(AmazonServiceException ex)
    {
        switch (ex.ErrorCode)
        {
            case "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable"
                or "Throttling" or "ThrottlingException" or "RequestThrottled" or "TooManyRequestsException":
                return Verdict.Transient;
        }
        var status = (int)ex.StatusCode;
        if (status == 0) return Verdict.Unknown; // no response: the cause (socket, IO) decides
        return IsTransientStatus(status) ? Verdict.Transient : Verdict.Permanent;
    }

    private static Verdict ClassifyHttp(HttpRequestException ex)
    {
        if (ex.StatusCode is { } status)
            return IsTransientStatus((int)status) ? Verdict.Transient : Verdict.Permanent;
        return ex.HttpRequestError switch
        {
            HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.ResponseEnded or HttpRequestError.ProxyTunnelError => Verdict.Transient,
            HttpRequestError.SecureConnectionError or HttpRequestError.HttpProtocolError
                or HttpRequestError.InvalidResponse or HttpRequestError.UserAuthenticationError
                or HttpRequestError.ConfigurationLimitExceeded or HttpRequestError.VersionNegotiationError
                or HttpRequestError.ExtendedConnectNotSupported => Verdict.Permanent,
            _ => Verdict.Unknown,
        };
    }

    private static bool IsTransientStatus(int status) => status switch
    {
        (int)HttpStatusCode.RequestTimeout => true,
        (int)HttpStatusCode.TooManyRequests => true,
        (int)HttpStatusCode.NotImplemented or (int)HttpStatusCode.HttpVersionNotSupported => false,
        >= 500 and <= 599 => true,
        _ => false,
    };
}
