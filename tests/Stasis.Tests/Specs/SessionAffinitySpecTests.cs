using Stasis.Client.Model;
using Stasis.Client.Specs;

namespace Stasis.Tests.Specs;

/// <summary>FC's sessionAffinity and sessionAffinityConfig as s.yaml and the validator take them.</summary>
public sealed class SessionAffinitySpecTests
{
    private static readonly FunctionSpec Valid = new()
    {
        FunctionName = "fn",
        Code = "/srv/fn",
        InstanceConcurrency = 20,
        CustomContainerConfig = new CustomContainerConfig { Command = ["./serve"] },
    };

    private static SpecError Single(FunctionSpec spec) => Assert.Single(FunctionSpecValidator.Validate(FunctionSpecNormalizer.Normalize(spec)));

    [Fact]
    public void The_mapping_form_is_read_with_fcs_names()
    {
        var spec = SpecYaml.Parse(SpecYaml.Function("""
                  instanceConcurrency: 10
                  sessionAffinity: HEADER_FIELD
                  sessionAffinityConfig:
                    affinityHeaderFieldName: x-chat-session
                    sessionConcurrencyPerInstance: 5
                    sessionTTLInSeconds: 3600
                    sessionIdleTimeoutInSeconds: 600
                    disableSessionIdReuse: true
            """)).Resources[0].Spec;

        Assert.Equal("HEADER_FIELD", spec.SessionAffinity);
        Assert.Equal(new SessionAffinityConfig
        {
            AffinityHeaderFieldName = "x-chat-session", SessionConcurrencyPerInstance = 5, SessionTtlInSeconds = 3600,
            SessionIdleTimeoutInSeconds = 600, DisableSessionIdReuse = true,
        }, spec.SessionAffinityConfig);
        Assert.Empty(FunctionSpecValidator.Validate(spec));
    }

    [Fact]
    public void The_json_string_form_of_fcs_api_is_read_too()
    {
        var spec = SpecYaml.Parse(SpecYaml.Function("""
                  instanceConcurrency: 4
                  sessionAffinity: mcp_sse
                  sessionAffinityConfig: '{"sseEndpointPath": "/events", "sessionConcurrencyPerInstance": 2}'
            """)).Resources[0].Spec;

        Assert.Equal(SessionAffinityTypes.McpSse, spec.SessionAffinity); // upper-cased, as FC takes it
        Assert.Equal(("/events", 2), (spec.SessionAffinityConfig!.SseEndpointPath, spec.SessionAffinityConfig.SessionConcurrencyPerInstance));
    }

    [Fact]
    public void The_session_cap_defaults_to_20_but_never_above_instanceConcurrency()
    {
        Assert.Equal(20, (Valid with { SessionAffinity = SessionAffinityTypes.Cookie }).EffectiveSessionsPerInstance);
        Assert.Equal(1, (Valid with { InstanceConcurrency = 1, SessionAffinity = SessionAffinityTypes.Cookie }).EffectiveSessionsPerInstance);
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { InstanceConcurrency = 1, SessionAffinity = SessionAffinityTypes.Cookie }));
    }

    [Fact]
    public void An_explicit_cap_above_instanceConcurrency_says_which_to_raise()
    {
        var error = Single(Valid with { InstanceConcurrency = 2, SessionAffinity = "GENERATED_COOKIE", SessionAffinityConfig = new() { SessionConcurrencyPerInstance = 5 } });

        Assert.Equal("sessionAffinityConfig.sessionConcurrencyPerInstance", error.Field);
        Assert.Equal("5 sessions per instance cannot exceed instanceConcurrency (2): raise instanceConcurrency to 5 or lower sessionConcurrencyPerInstance", error.Message);
    }

    [Theory]
    [InlineData("STICKY", "sessionAffinity", "'STICKY' is not a session affinity type: use GENERATED_COOKIE, HEADER_FIELD, MCP_SSE, MCP_STREAMABLE (or NONE)")]
    [InlineData("HEADER_FIELD", "sessionAffinityConfig.affinityHeaderFieldName", "HEADER_FIELD needs the request header that carries the session id: set sessionAffinityConfig.affinityHeaderFieldName, e.g. x-session-id")]
    public void A_wrong_type_or_a_header_field_without_its_header_is_one_error(string type, string field, string message)
    {
        Assert.Equal(new SpecError(field, message), Single(Valid with { SessionAffinity = type }));
    }

    [Theory]
    [InlineData("x-fc-session")]
    [InlineData("abc")]
    [InlineData("1session")]
    [InlineData("Cookie")]
    [InlineData("Authorization")]
    public void A_header_that_cannot_carry_session_ids_is_refused(string header)
    {
        var error = Single(Valid with { SessionAffinity = "HEADER_FIELD", SessionAffinityConfig = new() { AffinityHeaderFieldName = header } });

        Assert.Equal("sessionAffinityConfig.affinityHeaderFieldName", error.Field);
    }

    [Fact]
    public void Lifetimes_are_bounded_and_idle_fits_in_the_ttl()
    {
        Assert.Contains("must be between 1 and 21600 seconds, got 0", Single(Valid with { SessionAffinity = "GENERATED_COOKIE", SessionAffinityConfig = new() { SessionTtlInSeconds = 0 } }).Message);
        Assert.Equal("600 s is longer than the session's whole life (sessionTTLInSeconds, 300 s): lower it or raise the TTL",
            Single(Valid with { SessionAffinity = "GENERATED_COOKIE", SessionAffinityConfig = new() { SessionTtlInSeconds = 300, SessionIdleTimeoutInSeconds = 600 } }).Message);
        Assert.Empty(FunctionSpecValidator.Validate(Valid with { SessionAffinity = "GENERATED_COOKIE", SessionAffinityConfig = new() { SessionIdleTimeoutInSeconds = 0 } }));
    }

    [Fact]
    public void A_config_without_a_type_or_a_field_of_another_type_says_so()
    {
        Assert.StartsWith("sessionAffinityConfig has no effect without sessionAffinity", Single(Valid with { SessionAffinityConfig = new() { SessionTtlInSeconds = 60 } }).Message);
        Assert.StartsWith("sseEndpointPath is for MCP_SSE", Single(Valid with { SessionAffinity = "GENERATED_COOKIE", SessionAffinityConfig = new() { SseEndpointPath = "/sse" } }).Message);
        Assert.StartsWith("'events' is not a path", Single(Valid with { SessionAffinity = "MCP_SSE", SessionAffinityConfig = new() { SseEndpointPath = "events" } }).Message);
    }

    [Fact]
    public void None_turns_it_off()
    {
        Assert.Null(FunctionSpecNormalizer.Normalize(Valid with { SessionAffinity = "NONE" }).SessionAffinity);
    }
}
