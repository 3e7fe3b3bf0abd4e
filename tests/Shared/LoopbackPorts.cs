using System.Net;
using System.Net.Sockets;

namespace CadMl.Tests.Shared;

/// <summary>Ports for the real servers and service processes the tests start on loopback.</summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port nobody listens on right now (the OS picks it), and never one this test process
    /// handed out before: the port is free again once the probe closes, so two processes started
    /// together were once given the same one (a fleet replica then advertised its neighbour's URL).
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No loopback port this test run has not used already.");
    }
}
