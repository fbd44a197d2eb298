using Stasis.Cli;
using Stasis.Cli.Simulating;
using Stasis.Server.Simulation;

namespace Stasis.Tests.Cli.Simulating;

public sealed class TraceReaderTests
{
    private const string LlmHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";
    private const string FunctionsHeader = "app,func,end_timestamp,duration";

    private static Trace Read(string text, TraceFormat? format = null, ServiceModel? model = null, bool skip = false) =>
        TraceReader.Read(new StringReader(text), "t.csv", format, model, skip);

    private static string Error(string text, TraceFormat? format = null, ServiceModel? model = null, bool skip = false) =>
        Assert.ThrowsAny<CliException>(() => Read(text, format, model, skip)).Message;

    [Fact]
    public void AzureLlm_RowsBecomeRequestsFromTheFirst_ServiceFromTheDefaultModel()
    {
        var trace = Read($"""
            {LlmHeader}
            2023-11-16 18:17:03.9799600,4808,10
            2023-11-16 18:17:04.0319600,3180,8
            2023-11-16 18:17:05.0000000,110,27
            """);

        Assert.Equal(TraceFormat.AzureLlm, trace.Format);
        Assert.Equal(ServiceModel.LlmDefault, trace.Model);
        Assert.Equal(["t"], trace.Functions);
        Assert.False(trace.NamesFunctions);
        Assert.Equal(new DateTimeOffset(2023, 11, 16, 18, 17, 3, TimeSpan.Zero).AddTicks(9_799_600), trace.Start);
        Assert.Equal(
            [
                new SimulatedRequest(TimeSpan.Zero, 0, 100 + (0.2 * 4808) + (20 * 10)),
                new SimulatedRequest(TimeSpan.FromMilliseconds(52), 0, 100 + (0.2 * 3180) + (20 * 8)),
                new SimulatedRequest(TimeSpan.FromTicks(10_200_400), 0, 100 + (0.2 * 110) + (20 * 27)),
            ],
            trace.Requests);
        Assert.Equal(0, trace.BadRows);
        Assert.Equal(0, trace.OutOfOrderRows);
    }

    [Fact]
    public void AzureLlm_FixedAndLinearModels()
    {
        const string Text = $"{LlmHeader}\n2023-11-16 18:17:03,1000,10\n";

        Assert.Equal(120, Read(Text, model: ServiceModel.Parse("fixed:120")).Requests[0].ServiceMs);
        Assert.Equal(1 + 2000 + 30, Read(Text, model: ServiceModel.Parse("linear:1,2,3")).Requests[0].ServiceMs);
    }

    [Fact]
    public void AzureLlm_ColumnModel_IsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => Read($"{LlmHeader}\n2023-11-16 18:17:03,1,1\n", model: new ServiceModel.Column()));
        Assert.Equal("--service-model column: the Azure LLM trace has no service-time column; use linear:A,B,C or fixed:MS", e.Message);
    }

    [Fact]
    public void BadTimestamp_NamesFileLineColumnAndTheWayOut()
    {
        Assert.Equal(
            "t.csv:3: TIMESTAMP 'yesterday' is not a date and time (like 2023-11-16 18:17:03.9799600) (--skip-bad-rows skips such rows and counts them)",
            Error($"{LlmHeader}\n2023-11-16 18:17:03,1,1\nyesterday,1,1\n"));
    }

    [Fact]
    public void NegativeTokens_AreAnError()
    {
        Assert.Equal(
            "t.csv:2: ContextTokens is -5; a token count cannot be negative (--skip-bad-rows skips such rows and counts them)",
            Error($"{LlmHeader}\n2023-11-16 18:17:03,-5,1\n"));
    }

    [Fact]
    public void NonNumericTokens_AreAnError()
    {
        Assert.Equal(
            "t.csv:2: GeneratedTokens 'ten' is not a whole number of tokens (--skip-bad-rows skips such rows and counts them)",
            Error($"{LlmHeader}\n2023-11-16 18:17:03,5,ten\n"));
    }

    [Fact]
    public void WrongFieldCount_IsAnErrorWithTheLine()
    {
        Assert.Equal(
            "t.csv:4: 2 fields, expected 3 as in the header (--skip-bad-rows skips such rows and counts them)",
            Error($"{LlmHeader}\n2023-11-16 18:17:03,5,1\n\n2023-11-16 18:17:04,5\n"));
    }

    [Fact]
    public void SkipBadRows_ContinuesAndCountsThem_RememberingTheFirst()
    {
        var trace = Read($"{LlmHeader}\n2023-11-16 18:17:03,5,1\nbad,1,1\n2023-11-16 18:17:04,5,1\n2023-11-16 18:17:05,5\n", skip: true);

        Assert.Equal(2, trace.Requests.Length);
        Assert.Equal(2, trace.BadRows);
        Assert.Equal("t.csv:3: TIMESTAMP 'bad' is not a date and time (like 2023-11-16 18:17:03.9799600)", trace.FirstBadRow);
    }

    [Fact]
    public void UnsortedRows_AreSortedByArrivalAndCounted()
    {
        var trace = Read($"{LlmHeader}\n2023-11-16 18:17:05,1,1\n2023-11-16 18:17:03,2,1\n2023-11-16 18:17:04,3,1\n2023-11-16 18:17:06,4,1\n",
            model: ServiceModel.Parse("linear:0,1,0"));

        Assert.Equal(2, trace.OutOfOrderRows);
        Assert.Equal([2.0, 3, 1, 4], trace.Requests.Select(r => r.ServiceMs));
        Assert.Equal([0.0, 1, 2, 3], trace.Requests.Select(r => r.At.TotalSeconds));
        Assert.Equal(new DateTimeOffset(2023, 11, 16, 18, 17, 3, TimeSpan.Zero), trace.Start);
    }

    [Fact]
    public void RowsAtTheSameInstant_KeepTheFileOrder()
    {
        var trace = Read($"{LlmHeader}\n2023-11-16 18:17:05,1,1\n2023-11-16 18:17:03,2,1\n2023-11-16 18:17:03,3,1\n2023-11-16 18:17:03,4,1\n",
            model: ServiceModel.Parse("linear:0,1,0"));

        Assert.Equal([2.0, 3, 4, 1], trace.Requests.Select(r => r.ServiceMs));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    public void EmptyFile_IsAnError(string text)
    {
        Assert.Equal("t.csv is empty: a trace needs a header line and at least one request", Error(text));
    }

    [Fact]
    public void HeaderOnly_IsAnError()
    {
        Assert.Equal("t.csv has a header but no requests", Error($"{LlmHeader}\n"));
    }

    [Fact]
    public void EveryRowBad_WithSkip_IsAnErrorThatCountsThem()
    {
        Assert.Equal(
            "t.csv has no usable request: all 2 rows are bad; the first: t.csv:2: TIMESTAMP 'x' is not a date and time (like 2023-11-16 18:17:03.9799600)",
            Error($"{LlmHeader}\nx,1,1\ny,1,1\n", skip: true));
    }

    [Fact]
    public void UnknownHeader_SaysWhichFormatsThereAre()
    {
        var message = Error("when,what\n1,2\n");

        Assert.StartsWith("t.csv:1: the header 'when,what' is not one of a trace Stasis reads: TIMESTAMP,ContextTokens,GeneratedTokens (Azure LLM), ", message, StringComparison.Ordinal);
        Assert.EndsWith("or name the format with --trace-format", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedFormat_MissingColumns_AreNamed()
    {
        Assert.Equal(
            "t.csv:1: the azure-functions format needs the column(s) app, func, end_timestamp, duration; the header has timestamp,function,service_ms",
            Error("timestamp,function,service_ms\n1,a,2\n", TraceFormat.AzureFunctions));
    }

    [Fact]
    public void AzureFunctions_ArrivalIsEndMinusDuration_ServiceIsTheDurationInMs_FunctionIsAppSlashFunc()
    {
        var trace = Read($"""
            {FunctionsHeader}
            a1,f1,0.0795,0.078
            a2,f2,57.158,57.154
            a1,f1,60.0,10.5
            a3,f3,61.0,0
            """);

        Assert.Equal(TraceFormat.AzureFunctions, trace.Format);
        Assert.Equal(["a1/f1", "a2/f2", "a3/f3"], trace.Functions);
        Assert.True(trace.NamesFunctions);
        Assert.Null(trace.Start);
        // Arrivals 0.0015, 0.004, 49.5, 61: sorted already; end_timestamp is in order, so no row counts as out of order.
        Assert.Equal(0, trace.OutOfOrderRows);
        Assert.Equal([0, 1, 0, 2], trace.Requests.Select(r => r.Function));
        Assert.Equal([78.0, 57_154, 10_500, 0], trace.Requests.Select(r => Math.Round(r.ServiceMs, 6)));
        Assert.Equal([0.0, 0.0025, 49.4985, 60.9985], trace.Requests.Select(r => Math.Round(r.At.TotalSeconds, 6)));
    }

    [Fact]
    public void AzureFunctions_ArrivalsOutOfOrderAreSortedWithoutAWarning_WhenEndTimesAreInOrder()
    {
        var trace = Read($"{FunctionsHeader}\na,f,10,1\na,g,11,5\n");

        Assert.Equal(0, trace.OutOfOrderRows);
        Assert.Equal([1, 0], trace.Requests.Select(r => r.Function));
        Assert.Equal([0.0, 3], trace.Requests.Select(r => r.At.TotalSeconds));
    }

    [Fact]
    public void AzureFunctions_NegativeDuration_IsAnError()
    {
        Assert.Equal(
            "t.csv:2: duration is -1; a duration cannot be negative (--skip-bad-rows skips such rows and counts them)",
            Error($"{FunctionsHeader}\na,f,10,-1\n"));
    }

    [Fact]
    public void AzureFunctions_NaNDuration_IsAnError()
    {
        Assert.Equal(
            "t.csv:2: duration 'NaN' is not a number of seconds (--skip-bad-rows skips such rows and counts them)",
            Error($"{FunctionsHeader}\na,f,10,NaN\n"));
    }

    [Fact]
    public void AzureFunctions_LinearModel_IsAUsageError()
    {
        Assert.Throws<UsageException>(() => Read($"{FunctionsHeader}\na,f,10,1\n", model: ServiceModel.Parse("linear:1,1,1")));
    }

    [Fact]
    public void Plain_SecondsFunctionsAndServiceMs_ColumnsInAnyOrderAndCase()
    {
        var trace = Read("Service_MS,Function,Timestamp\n120,ocr,100.5\n80,\"nlp, small\",100\n95,ocr,103\n");

        Assert.Equal(TraceFormat.Plain, trace.Format);
        Assert.Equal(["ocr", "nlp, small"], trace.Functions);
        Assert.Equal(1, trace.OutOfOrderRows);
        Assert.Equal(
            [new SimulatedRequest(TimeSpan.Zero, 1, 80), new SimulatedRequest(TimeSpan.FromSeconds(0.5), 0, 120), new SimulatedRequest(TimeSpan.FromSeconds(3), 0, 95)],
            trace.Requests);
    }

    [Fact]
    public void Plain_IsoDates_GiveTheTraceAStart()
    {
        var trace = Read("timestamp,function,service_ms\n2026-03-01T08:00:00Z,a,10\n2026-03-01T08:00:01.250Z,a,10\n");

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), trace.Start);
        Assert.Equal(TimeSpan.FromMilliseconds(1250), trace.Span);
    }

    [Fact]
    public void Plain_DatesAndSecondsMixed_IsAnError()
    {
        Assert.Equal(
            "t.csv:3: timestamp '5' is a number, but the rows before it have dates (--skip-bad-rows skips such rows and counts them)",
            Error("timestamp,function,service_ms\n2026-03-01T08:00:00Z,a,10\n5,a,10\n"));
    }

    [Fact]
    public void Plain_NegativeServiceTime_IsAnError()
    {
        Assert.Equal(
            "t.csv:2: service_ms is -3; a service time cannot be negative (--skip-bad-rows skips such rows and counts them)",
            Error("timestamp,function,service_ms\n1,a,-3\n"));
    }

    [Fact]
    public void Plain_WithoutServiceColumn_NeedsAFixedModel()
    {
        Assert.Equal(
            "t.csv:1: the trace has no service_ms column; add one or give --service-model fixed:MS",
            Error("timestamp,function\n1,a\n"));

        var trace = Read("timestamp\n1\n2\n", model: ServiceModel.Parse("fixed:50"));
        Assert.Equal(["t"], trace.Functions);
        Assert.All(trace.Requests, r => Assert.Equal(50, r.ServiceMs));
    }

    [Fact]
    public void MissingFile_IsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => TraceReader.Read(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.csv")));
        Assert.StartsWith("no such file: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_IsReadWithItsPathInMessages()
    {
        var path = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, $"{LlmHeader}\n2023-11-16 18:17:03,1,1\n2023-11-16 18:17:03,x,1\n");
        try
        {
            var e = Assert.Throws<CliException>(() => TraceReader.Read(path));
            Assert.StartsWith($"{path}:3: ContextTokens 'x'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
