namespace Stasis.Server.Autoscaling;

/// <summary>
/// What a target tracking policy follows, with FC's names. Each is a fraction of what the provisioned
/// instances could give, measured over one closed metric interval: 0.6 = 60 % used.
/// </summary>
internal enum ScalingMetricType
{
    /// <summary>Requests in flight on provisioned instances ÷ the requests they could hold at once.</summary>
    ProvisionedConcurrencyUtilization,

    /// <summary>CPU time the provisioned instances used ÷ the CPU they were given.</summary>
    CPUUtilization,

    /// <summary>GPU memory the provisioned instances hold ÷ the GPU memory they were given.</summary>
    GPUMemUtilization,
}
