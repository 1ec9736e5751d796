using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Narwhal.Core.Resilience;
using Npgsql;
using NUnit.Framework;
using Polly.Timeout;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Narwhal.Core.Tests.Resilience;

/// <summary>Locks in the table in <see cref="TransientErrors"/>: what the whole system retries, and what it does not.</summary>
[TestFixture]
public sealed class TransientErrors_Specs
{
    private static TestCaseData Case(Exception ex, bool transient, string name) =>
        new TestCaseData(ex).Returns(transient).SetName($"{(transient ? "Retry" : "Do_not_retry")}_{name}");

    private static AmazonS3Exception S3(HttpStatusCode status, string code, Exception? inner = null) =>
        new("S3 said no", inner, ErrorType.Unknown, code, "req-1", status);

    private static PostgresException Pg(string sqlState) => new("server said no", "ERROR", "ERROR", sqlState);

    private static ShutdownEventArgs Shutdown(ShutdownInitiator initiator, ushort code, string text) => new(initiator, code, text);

    private static IEnumerable<TestCaseData> Cases()
    {
        // Plain .NET
        yield return Case(new TimeoutException(), true, "TimeoutException");
        yield return Case(new TimeoutRejectedException(), true, "Polly_timeout");
        yield return Case(new SocketException((int)SocketError.ConnectionRefused), true, "connection_refused");
        yield return Case(new SocketException((int)SocketError.ConnectionReset), true, "connection_reset");
        yield return Case(new IOException("Unable to read data from the transport connection"), true, "IOException");
        yield return Case(new EndOfStreamException(), true, "EndOfStreamException");
        yield return Case(new FileNotFoundException("missing.txt"), false, "FileNotFoundException");
        yield return Case(new DirectoryNotFoundException(), false, "DirectoryNotFoundException");
        yield return Case(new OperationCanceledException(), false, "plain_cancellation");
        yield return Case(new TaskCanceledException("caller", null, new CancellationToken(true)), false, "caller_token_cancellation");
        yield return Case(new TaskCanceledException("HttpClient.Timeout", new TimeoutException()), true, "HttpClient_timeout");
        yield return Case(new InvalidOperationException("bug"), false, "InvalidOperationException");
        yield return Case(new ArgumentException("bad key"), false, "ArgumentException");
        yield return Case(new InvalidOperationException("wrapper", new SocketException((int)SocketError.HostUnreachable)), true, "socket_failure_wrapped_twice_deep");

        // HttpClient
        yield return Case(new HttpRequestException(HttpRequestError.ConnectionError, "refused"), true, "HTTP_connection_error");
        yield return Case(new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), true, "HTTP_response_ended");
        yield return Case(new HttpRequestException(HttpRequestError.NameResolutionError, "dns"), true, "HTTP_name_resolution");
        yield return Case(new HttpRequestException(HttpRequestError.SecureConnectionError, "tls"), false, "HTTP_TLS_failure");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.ServiceUnavailable), true, "HTTP_503");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.BadGateway), true, "HTTP_502");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.TooManyRequests), true, "HTTP_429");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.RequestTimeout), true, "HTTP_408");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.NotImplemented), false, "HTTP_501");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.NotFound), false, "HTTP_404");
        yield return Case(new HttpRequestException("x", null, HttpStatusCode.Unauthorized), false, "HTTP_401");
        yield return Case(new HttpRequestException("x", new IOException("reset")), true, "HTTP_unknown_error_over_IOException");

        // AWS SDK
        yield return Case(S3(HttpStatusCode.ServiceUnavailable, "SlowDown"), true, "S3_SlowDown");
        yield return Case(S3(HttpStatusCode.InternalServerError, "InternalError"), true, "S3_InternalError");
        yield return Case(S3(HttpStatusCode.BadRequest, "RequestTimeout"), true, "S3_RequestTimeout_despite_400");
        yield return Case(S3(HttpStatusCode.TooManyRequests, "TooManyRequests"), true, "S3_429");
        yield return Case(S3(HttpStatusCode.BadGateway, "BadGateway"), true, "S3_502");
        yield return Case(S3(HttpStatusCode.NotFound, "NoSuchKey"), false, "S3_NoSuchKey");
        yield return Case(S3(HttpStatusCode.Forbidden, "AccessDenied"), false, "S3_AccessDenied");
        yield return Case(S3(HttpStatusCode.BadRequest, "EntityTooSmall"), false, "S3_EntityTooSmall");
        yield return Case(S3(HttpStatusCode.NotImplemented, "NotImplemented"), false, "S3_NotImplemented");
        yield return Case(S3(HttpStatusCode.Forbidden, "AccessDenied", new IOException()), false, "S3_403_even_over_an_IOException");
        yield return Case(S3(0, "", new IOException("reset")), true, "S3_without_status_over_IOException");
        yield return Case(new AmazonClientException("network", new HttpRequestException(HttpRequestError.ConnectionError, "refused")), true, "SDK_client_error_over_connection_failure");
        yield return Case(new AmazonClientException("No RegionEndpoint or ServiceURL configured"), false, "SDK_configuration_error");

        // Npgsql
        yield return Case(Pg("08006"), true, "Postgres_connection_failure_08006");
        yield return Case(Pg("08001"), true, "Postgres_cannot_establish_08001");
        yield return Case(Pg("40001"), true, "Postgres_serialization_failure");
        yield return Case(Pg("40P01"), true, "Postgres_deadlock");
        yield return Case(Pg("53300"), true, "Postgres_too_many_connections");
        yield return Case(Pg("57P01"), true, "Postgres_admin_shutdown");
        yield return Case(Pg("57P02"), true, "Postgres_crash_shutdown");
        yield return Case(Pg("57P03"), true, "Postgres_cannot_connect_now");
        yield return Case(Pg("23505"), false, "Postgres_unique_violation");
        yield return Case(Pg("42P01"), false, "Postgres_undefined_table");
        yield return Case(Pg("53100"), false, "Postgres_disk_full");
        yield return Case(Pg("28P01"), false, "Postgres_bad_password");
        yield return Case(new NpgsqlException("Exception while reading from stream", new IOException("reset")), true, "Npgsql_broken_stream");
        yield return Case(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), true, "Npgsql_connect_refused");
        yield return Case(new NpgsqlException("The connection pool has been exhausted", new TimeoutException()), true, "Npgsql_pool_exhausted");
        yield return Case(new NpgsqlException("Something else"), false, "Npgsql_other");
        yield return Case(new InvalidOperationException("save failed", Pg("23505")), false, "Postgres_unique_violation_wrapped");

        // RabbitMQ.Client 7.1.2
        yield return Case(new BrokerUnreachableException(new SocketException((int)SocketError.ConnectionRefused)), true, "RabbitMQ_broker_unreachable_refused");
        yield return Case(new BrokerUnreachableException(new InvalidOperationException("unknown cause")), true, "RabbitMQ_broker_unreachable_unknown_cause");
        yield return Case(new BrokerUnreachableException(new AuthenticationFailureException("ACCESS_REFUSED")), false, "RabbitMQ_broker_unreachable_bad_credentials");
        yield return Case(new AlreadyClosedException(Shutdown(ShutdownInitiator.Peer, Constants.ConnectionForced, "CONNECTION_FORCED - broker forced connection closure")), true, "RabbitMQ_closed_by_broker_shutdown");
        yield return Case(new AlreadyClosedException(Shutdown(ShutdownInitiator.Library, Constants.InternalError, "End of stream")), true, "RabbitMQ_socket_lost");
        yield return Case(new OperationInterruptedException(Shutdown(ShutdownInitiator.Peer, Constants.ResourceError, "RESOURCE_ERROR")), true, "RabbitMQ_resource_error");
        yield return Case(new OperationInterruptedException(Shutdown(ShutdownInitiator.Peer, Constants.NotFound, "NOT_FOUND - no queue 'runs'")), false, "RabbitMQ_queue_not_found");
        yield return Case(new OperationInterruptedException(Shutdown(ShutdownInitiator.Peer, Constants.PreconditionFailed, "PRECONDITION_FAILED - inequivalent arg")), false, "RabbitMQ_precondition_failed");
        yield return Case(new OperationInterruptedException(Shutdown(ShutdownInitiator.Peer, Constants.AccessRefused, "ACCESS_REFUSED")), false, "RabbitMQ_access_refused");
        yield return Case(new AlreadyClosedException(Shutdown(ShutdownInitiator.Application, Constants.ReplySuccess, "Goodbye")), false, "RabbitMQ_closed_by_our_own_code");

        // Aggregates
        yield return Case(new AggregateException(new TimeoutException(), new IOException()), true, "aggregate_of_transient_failures");
        yield return Case(new AggregateException(new TimeoutException(), new ArgumentException()), false, "aggregate_with_a_permanent_failure");
    }

    [TestCaseSource(nameof(Cases))]
    public bool IsTransient_classifies(Exception ex) => TransientErrors.IsTransient(ex);

    [Test]
    public void When_given_null_Should_throw()
    {
        Assert.That(() => TransientErrors.IsTransient(null!), Throws.ArgumentNullException);
    }
}
