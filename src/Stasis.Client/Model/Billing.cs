namespace Stasis.Client.Model;

/// <summary>
/// Unit prices of the bill, in CU (compute units) per resource-second, and the USD price of a CU.
/// Defaults follow Function Compute's published factors for a Tesla GPU instance. The JSON names are
/// the keys of the server config file's <c>prices</c> section.
/// </summary>
public sealed record Prices
{
    /// <summary>USD per CU.</summary>
    public decimal CuPriceUsd { get; init; } = 0.00002m;
    /// <summary>CU per GB of GPU memory per second while active.</summary>
    public decimal GpuActiveCuPerGbSecond { get; init; } = 2.1m;
    /// <summary>CU per GB of GPU memory per second while idle (frozen).</summary>
    public decimal GpuIdleCuPerGbSecond { get; init; } = 0.5m;
    public decimal VcpuActiveCuPerSecond { get; init; } = 1m;
    public decimal VcpuIdleCuPerSecond { get; init; }
    public decimal MemoryActiveCuPerGbSecond { get; init; } = 0.15m;
    public decimal MemoryIdleCuPerGbSecond { get; init; } = 0.15m;
}

/// <summary>The amounts every bill row has: time in each state, CU and USD by resource, and what always allocated would have cost.</summary>
public abstract record BillRow
{
    public decimal IdleSeconds { get; init; }
    public decimal ActiveSeconds { get; init; }
    public decimal GpuCu { get; init; }
    public decimal VcpuCu { get; init; }
    public decimal MemoryCu { get; init; }
    /// <summary>GPU + vCPU + memory CU.</summary>
    public decimal Cu { get; init; }
    public decimal GpuCostUsd { get; init; }
    public decimal VcpuCostUsd { get; init; }
    public decimal MemoryCostUsd { get; init; }
    /// <summary>What is billed: <see cref="Cu"/> × the CU price.</summary>
    public decimal CostUsd { get; init; }
    /// <summary>The same time, all of it at the active prices (instances never frozen or released).</summary>
    public decimal AlwaysAllocatedCu { get; init; }
    public decimal AlwaysAllocatedCostUsd { get; init; }
    /// <summary><see cref="AlwaysAllocatedCostUsd"/> − <see cref="CostUsd"/>.</summary>
    public decimal SavingUsd { get; init; }
}

/// <summary>One instance's share of a bill.</summary>
public sealed record InstanceBill : BillRow
{
    public required string InstanceId { get; init; }
    public required string FunctionName { get; init; }
    /// <summary><c>provisioned</c> (idle time billed at the idle prices) or <c>onDemand</c> (idle time free).</summary>
    public required string Kind { get; init; }
    public double Vcpu { get; init; }
    public double MemoryGb { get; init; }
    public double GpuMemoryGb { get; init; }
    /// <summary>The first and last instants of this instance inside the bill's period.</summary>
    public DateTimeOffset From { get; init; }
    public DateTimeOffset To { get; init; }
}

/// <summary>One function's bill: the sum of its instances'.</summary>
public sealed record FunctionBill : BillRow
{
    public required string FunctionName { get; init; }
    public List<InstanceBill> Instances { get; init; } = new();
}

/// <summary>The sum of every function's bill.</summary>
public sealed record BillTotal : BillRow;

/// <summary>The answer to GET /api/v1/bill: the period [From, To), the prices used, per-function rows and the total.</summary>
public sealed record BillReport
{
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    /// <summary>The function asked for, or null for all.</summary>
    public string? FunctionName { get; init; }
    public required Prices Prices { get; init; }
    public List<FunctionBill> Functions { get; init; } = new();
    public BillTotal Total { get; init; } = new();
}
