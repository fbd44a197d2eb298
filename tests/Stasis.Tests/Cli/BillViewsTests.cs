using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

public sealed class BillViewsTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly BillReport Report = new()
    {
        From = T,
        To = T.AddHours(1),
        Prices = new Prices(),
        Functions =
        [
            new FunctionBill
            {
                FunctionName = "llm",
                IdleSeconds = 1560m, ActiveSeconds = 3.75m, Cu = 20_142m, CostUsd = 0.40284m, AlwaysAllocatedCostUsd = 1.45116m, SavingUsd = 1.04832m,
                Instances =
                [
                    new InstanceBill { InstanceId = "i-1", FunctionName = "llm", Kind = "provisioned", IdleSeconds = 1560m, ActiveSeconds = 3.75m, Cu = 20_142m, CostUsd = 0.40284m },
                    new InstanceBill { InstanceId = "i,2", FunctionName = "llm", Kind = "onDemand", ActiveSeconds = 0.0004m },
                ],
            },
        ],
        Total = new BillTotal { IdleSeconds = 1560m, ActiveSeconds = 3.75m, Cu = 20_142m, CostUsd = 0.40284m, AlwaysAllocatedCostUsd = 1.45116m, SavingUsd = 1.04832m },
    };

    [Fact]
    public void Table_FunctionThenItsInstancesThenTotal_CostsWithSixDecimals()
    {
        var table = BillViews.Table(Report);

        Assert.Equal(["FUNCTION", "INSTANCE", "KIND", "IDLE S", "ACTIVE S", "CU", "COST USD", "ALWAYS ALLOCATED USD", "SAVING USD"], table.Headers);
        Assert.Equal(["llm", "  llm", "  llm", "TOTAL"], table.Column("FUNCTION"));
        Assert.Equal(["all", "i-1", "i,2", "all"], table.Column("INSTANCE"));
        Assert.Equal(["-", "provisioned", "on-demand", "-"], table.Column("KIND"));
        Assert.Equal(["1560.000", "1560.000", "0.000", "1560.000"], table.Column("IDLE S"));
        Assert.Equal(["3.750", "3.750", "0.000", "3.750"], table.Column("ACTIVE S"));
        Assert.Equal(["0.402840", "0.402840", "0.000000", "0.402840"], table.Column("COST USD"));
        Assert.Equal("1.048320", table.Column("SAVING USD")[^1]);
    }

    [Fact]
    public void Table_NothingBilled_HasNoRows()
    {
        Assert.Empty(BillViews.Table(Report with { Functions = [], Total = new BillTotal() }).Rows);
    }

    [Fact]
    public void Csv_OneLinePerRowWithExactAmounts_QuotingWhatNeedsIt()
    {
        var output = new StringWriter();

        Csv.Write(output, BillViews.CsvTable(Report));

        var lines = output.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("level,function,instance,kind,idleSeconds,activeSeconds,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("function,llm,,,1560,3.75,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("instance,llm,\"i,2\",onDemand,0,0.0004,", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("total,,,,1560,3.75,", lines[4], StringComparison.Ordinal);
        Assert.Contains(",0.40284,", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void Heading_SaysThePeriodAndTheCuPrice()
    {
        Assert.Equal("bill of all functions from 2026-03-01T12:00:00Z to 2026-03-01T13:00:00Z (USD 0.00002 per CU)", BillViews.Heading(Report));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void CsvField_QuotesCommasAndQuotes(string value, string expected) => Assert.Equal(expected, Csv.Field(value));
}
