using Stasis.Client.Model;
using Stasis.Server.Hosting;
using Stasis.Tests.TestKit;

namespace Stasis.Tests.Hosting;

public sealed class ServerConfigFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Apply_NoConfigFile_KeepsTheDefaultPrices()
    {
        var prices = ServerConfigFile.Apply(new StasisServerOptions()).Prices;

        Assert.Equal(
            (0.00002m, 2.1m, 0.5m, 1m, 0m, 0.15m, 0.15m),
            (prices.CuPriceUsd, prices.GpuActiveCuPerGbSecond, prices.GpuIdleCuPerGbSecond, prices.VcpuActiveCuPerSecond,
             prices.VcpuIdleCuPerSecond, prices.MemoryActiveCuPerGbSecond, prices.MemoryIdleCuPerGbSecond));
    }

    [Fact]
    public void Apply_PricesSection_OverridesOnlyTheKeysItNames()
    {
        var path = Write("""
            // idle GPU cheaper than FC's default
            { "prices": { "gpuIdleCuPerGbSecond": 0.4, "cuPriceUsd": 0.00001, } }
            """);

        var prices = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path }).Prices;

        Assert.Equal(new Prices { GpuIdleCuPerGbSecond = 0.4m, CuPriceUsd = 0.00001m }, prices);
    }

    [Theory]
    [InlineData("""{ "prices": { "gpuIdlePrice": 0.4 } }""", "prices.gpuIdlePrice")]
    [InlineData("""{ "price": { } }""", "'price'")]
    [InlineData("""{ "prices": { "vcpuActiveCuPerSecond": -1 } }""", "prices.vcpuActiveCuPerSecond is -1")]
    [InlineData("""{ "prices": { "memoryIdleCuPerGbSecond": "0.1" } }""", "prices.memoryIdleCuPerGbSecond must be a number")]
    [InlineData("""{ "prices": 3 }""", "'prices' must be an object")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{ "prices": { "cuPriceUsd": } }""", "not valid JSON")]
    [InlineData("""{ "auth": { "required": "yes" } }""", "auth.required must be true or false")]
    [InlineData("""{ "auth": { "require": true } }""", "unknown key 'auth.require'; known: required")]
    [InlineData("""{ "auth": true }""", "'auth' must be an object")]
    [InlineData("""{ "auth": { "trustedProxies": "10.0.0.1" } }""", "auth.trustedProxies must be an array")]
    [InlineData("""{ "auth": { "trustedProxies": ["10.0.0.1", "lb.example.com"] } }""", "auth.trustedProxies: 'lb.example.com' is neither an IP address nor a CIDR range")]
    [InlineData("""{ "limits": { "maxConnections": 8 } }""", "limits.maxConnections is 8; it must be a whole number of connections from 16 to 10000000")]
    [InlineData("""{ "security": {} }""", "the config file knows 'prices', 'metrics', 'auth' and 'limits'")]
    public void Apply_BadConfig_RefusesToStartNamingTheKey(string json, string expected)
    {
        var path = Write(json);

        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "auth": { "required": true } }""", null, true)]
    [InlineData("""{ "auth": { "required": false } }""", null, false)]
    [InlineData("""{ "auth": { "required": false } }""", true, true)]
    [InlineData("""{ }""", null, false)]
    public void Apply_AuthRequired_EitherTheFileOrTheOptionTurnsItOn(string json, bool? option, bool required)
    {
        var options = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = Write(json), RequireAuth = option });

        Assert.Equal(required, options.RequireAuth);
    }

    [Theory]
    [InlineData(new string[0], new[] { "10.0.0.0/8" })]
    [InlineData(new[] { "192.0.2.1" }, new[] { "192.0.2.1" })]
    public void Apply_TrustedProxies_FromTheFile_UnlessTheOptionGivesThem(string[] option, string[] expected)
    {
        var options = ServerConfigFile.Apply(new StasisServerOptions
        {
            ConfigFile = Write("""{ "auth": { "trustedProxies": ["10.0.0.0/8"] } }"""),
            TrustedProxies = option,
        });

        Assert.Equal(expected, options.TrustedProxies);
    }

    [Fact]
    public void Apply_MissingFile_SaysWhichFile()
    {
        var path = Path.Combine(_dir.Path, "nope.json");

        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path }));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_NegativePriceInOptions_IsRefusedToo()
    {
        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions { Prices = new Prices { GpuIdleCuPerGbSecond = -0.5m } }));

        Assert.Contains("prices.gpuIdleCuPerGbSecond is -0.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownKey_ServerDoesNotStart()
    {
        var path = Write("""{ "prices": { "gpuPrice": 1 } }""");

        var error = await Assert.ThrowsAsync<StasisConfigException>(() => StasisServer.StartAsync(
            new StasisServerOptions { Listen = "127.0.0.1:0", DataDirectory = Path.Combine(_dir.Path, "data"), ConfigFile = path }));

        Assert.Contains("prices.gpuPrice", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "data")), "nothing started, not even the store");
    }

    [Fact]
    public void Apply_NoMetricsSettings_TakesTheDefaults()
    {
        var options = ServerConfigFile.Apply(new StasisServerOptions());

        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromDays(31)), (options.MetricsInterval!.Value, options.MetricsRetention!.Value));
    }

    [Fact]
    public void Apply_MetricsSection_SetsIntervalAndRetention_AnOptionWinsOverTheFile()
    {
        var path = Write("""{ "metrics": { "intervalSeconds": 10, "retentionDays": 7 } }""");

        var fromFile = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path });
        var fromOption = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path, MetricsInterval = TimeSpan.FromSeconds(1) });

        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromDays(7)), (fromFile.MetricsInterval!.Value, fromFile.MetricsRetention!.Value));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)), (fromOption.MetricsInterval!.Value, fromOption.MetricsRetention!.Value));
    }

    [Theory]
    [InlineData("""{ "metrics": { "interval": 10 } }""", "metrics.interval")]
    [InlineData("""{ "metrics": { "intervalSeconds": "10s" } }""", "metrics.intervalSeconds must be a positive number")]
    [InlineData("""{ "metrics": { "retentionDays": 0 } }""", "metrics.retentionDays must be a positive number")]
    [InlineData("""{ "metrics": { "intervalSeconds": 0.5 } }""", "metrics.intervalSeconds is 0.5 s")]
    [InlineData("""{ "metrics": { "intervalSeconds": 7200 } }""", "between 1 s and 3600 s")]
    [InlineData("""{ "metrics": 60 }""", "'metrics' must be an object")]
    public void Apply_BadMetricsSection_RefusesToStartNamingTheKey(string json, string expected)
    {
        var path = Write(json);

        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_RetentionShorterThanTheInterval_IsRefused()
    {
        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions
        {
            MetricsInterval = TimeSpan.FromMinutes(10),
            MetricsRetention = TimeSpan.FromMinutes(5),
        }));

        Assert.Contains("shorter than the metrics interval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_NoLimits_TakesKestrelsDefaultsAnd256Instances()
    {
        var limits = ServerConfigFile.Apply(new StasisServerOptions()).Limits;

        Assert.Equal(new ServerLimits
        {
            MaxRequestHeadersBytes = 32 * 1024,
            MaxRequestHeaderCount = 100,
            RequestHeadersTimeout = TimeSpan.FromSeconds(30),
            KeepAliveTimeout = TimeSpan.FromSeconds(130),
            MinRequestBodyBytesPerSecond = 240,
            MinResponseBytesPerSecond = 240,
            MinDataRateGrace = TimeSpan.FromSeconds(5),
            MaxInstancesTotal = 256,
        }, limits);
    }

    [Fact]
    public void Apply_LimitsSection_SetsTheKeysItNames_AnOptionWinsOverTheFile()
    {
        var path = Write("""{ "limits": { "maxInstancesTotal": 64, "minRequestBodyBytesPerSecond": 0, "requestHeadersTimeoutSeconds": 2.5 } }""");

        var fromFile = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path }).Limits;
        var fromOption = ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path, Limits = new ServerLimits { MaxInstancesTotal = 8 } }).Limits;

        Assert.Equal((64, 0.0, TimeSpan.FromSeconds(2.5), 100), (fromFile.MaxInstancesTotal, fromFile.MinRequestBodyBytesPerSecond, fromFile.RequestHeadersTimeout, fromFile.MaxRequestHeaderCount));
        Assert.Equal((8, 0.0), (fromOption.MaxInstancesTotal, fromOption.MinRequestBodyBytesPerSecond));
    }

    [Theory]
    [InlineData("""{ "limits": { "maxInstances": 4 } }""", "unknown key 'limits.maxInstances'; known: maxRequestHeadersBytes, maxRequestHeaderCount")]
    [InlineData("""{ "limits": { "maxInstancesTotal": "4" } }""", "limits.maxInstancesTotal must be a number of instances, not \"4\"")]
    [InlineData("""{ "limits": { "maxInstancesTotal": 0 } }""", "limits.maxInstancesTotal is 0; it must be a whole number of instances from 1 to 100000.")]
    [InlineData("""{ "limits": { "maxRequestHeaderCount": 2.5 } }""", "limits.maxRequestHeaderCount is 2.5; it must be a whole number of headers from 1 to 10000.")]
    [InlineData("""{ "limits": { "maxRequestHeadersBytes": 100 } }""", "limits.maxRequestHeadersBytes is 100; it must be a whole number of bytes from 1024 to 1048576.")]
    [InlineData("""{ "limits": { "minResponseBytesPerSecond": 0.5 } }""", "it must be a number of bytes per second from 1 to 1000000000 (or 0 to turn it off).")]
    [InlineData("""{ "limits": { "minDataRateGraceSeconds": 1 } }""", "limits.minDataRateGraceSeconds is 1; it must be a number of seconds from 2 to 600.")]
    [InlineData("""{ "limits": { "keepAliveTimeoutSeconds": -1 } }""", "limits.keepAliveTimeoutSeconds is -1")]
    [InlineData("""{ "limits": [] }""", "'limits' must be an object")]
    public void Apply_BadLimitsSection_RefusesToStartNamingTheKey(string json, string expected)
    {
        var path = Write(json);

        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions { ConfigFile = path }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_LimitOptionOutOfRange_NamesTheServerOption()
    {
        var error = Assert.Throws<StasisConfigException>(() => ServerConfigFile.Apply(new StasisServerOptions
        {
            Limits = new ServerLimits { RequestHeadersTimeout = TimeSpan.FromHours(1) },
        }));

        Assert.Equal("the server option --headers-timeout (limits.requestHeadersTimeoutSeconds) is 3600; it must be a number of seconds from 1 to 600.", error.Message);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_dir.Path, "stasis.json");
        File.WriteAllText(path, json);
        return path;
    }
}
