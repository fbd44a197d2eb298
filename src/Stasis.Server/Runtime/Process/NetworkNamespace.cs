using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Stasis.Server.Runtime.Process;

/// <summary>
/// An instance's network namespace, held open by a file descriptor, and a dedicated thread that lives
/// inside it. A socket belongs to the namespace it was created in, so sockets for the instance are
/// created on that thread; connecting and all I/O then happen on any thread. A dedicated thread
/// (never a thread-pool one) means no other code ever runs in the instance's namespace by accident.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly BlockingCollection<Request> _requests = new();
    private Exception? _enterFailure;

    private NetworkNamespace(SafeFileHandle handle, string id, string instanceId)
    {
        _handle = handle;
        Id = id;
        var thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = $"netns {instanceId}" };
        thread.Start();
    }

    /// <summary>For example <c>net:[4026532481]</c>.</summary>
    public string Id { get; }

    /// <summary>
    /// Opens the namespace of <paramref name="pid"/> once it has left <paramref name="hostNamespace"/>;
    /// null while it has not yet (the child unshares a moment after it is spawned) or is gone.
    /// </summary>
    public static NetworkNamespace? TryOpen(int pid, string hostNamespace, string instanceId)
    {
        var path = $"/proc/{pid}/ns/net";
        var id = NetworkIsolation.NamespaceId(path);
        if (id is null || id == hostNamespace)
        {
            return null;
        }

        SafeFileHandle handle;
        try
        {
            handle = LibC.OpenNamespace(path);
        }
        catch (IOException)
        {
            return null;
        }

        // Confirm what we hold is the namespace we looked at, not one of a pid reused in between.
        if (NetworkIsolation.NamespaceId($"/proc/self/fd/{handle.DangerousGetHandle()}") != id)
        {
            handle.Dispose();
            return null;
        }

        return new NetworkNamespace(handle, id, instanceId);
    }

    /// <summary>Opens a namespace held by a file (<c>/run/netns/NAME</c>); null if it is not there.</summary>
    public static NetworkNamespace? TryOpenPath(string path, string instanceId)
    {
        SafeFileHandle handle;
        try
        {
            handle = LibC.OpenNamespace(path);
        }
        catch (IOException)
        {
            return null;
        }

        var id = NetworkIsolation.NamespaceId($"/proc/self/fd/{handle.DangerousGetHandle()}") ?? path;
        return new NetworkNamespace(handle, id, instanceId);
    }

    public async Task<Socket> CreateSocketAsync(AddressFamily family, CancellationToken cancellationToken)
    {
        // RunContinuationsAsynchronously: the caller's continuation must not run on the namespace thread.
        var result = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new Request(family, result, cancellationToken);
        try
        {
            _requests.Add(request, CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(NetworkNamespace), "The instance has stopped.");
        }

        // Cancelling the source itself (not just the wait) makes the thread dispose a socket created too late.
        using (cancellationToken.Register(static state => ((TaskCompletionSource<Socket>)state!).TrySetCanceled(), result))
        {
            return await result.Task.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _requests.CompleteAdding();
        // The thread keeps its own reference to the namespace until it exits, which it does as soon as
        // the queue drains; the namespace then goes away once the instance's processes are gone.
        _handle.Dispose();
    }

    private void Run()
    {
        try
        {
            var errno = LibC.EnterNetworkNamespace(_handle);
            if (errno != 0)
            {
                _enterFailure = new IOException($"setns into the instance's network namespace failed: errno {errno}");
            }
        }
        catch (ObjectDisposedException e)
        {
            _enterFailure = e;
        }

        foreach (var request in _requests.GetConsumingEnumerable())
        {
            if (_enterFailure is not null)
            {
                request.Result.TrySetException(_enterFailure);
                continue;
            }

            if (request.Cancellation.IsCancellationRequested)
            {
                request.Result.TrySetCanceled(request.Cancellation);
                continue;
            }

            try
            {
                var socket = new Socket(request.Family, SocketType.Stream, ProtocolType.Tcp);
                if (!request.Result.TrySetResult(socket))
                {
                    socket.Dispose();
                }
            }
            catch (SocketException e)
            {
                request.Result.TrySetException(e);
            }
        }
    }

    private sealed record Request(AddressFamily Family, TaskCompletionSource<Socket> Result, CancellationToken Cancellation);
}
