using ScottPlot;
using SkiaSharp;
using Stasis.Server.Simulation;

namespace Stasis.Cli.Simulating;

/// <summary>
/// The chart of a simulation (<c>--chart FILE.svg|png</c>), three panels over the same minutes: the load (arrivals per
/// second), the instances (one run: by state, stacked, with the provisioned target and current; several runs: all
/// instances of each run, and its provisioned target dashed), and the p90 latency of each run.
/// </summary>
internal static class SimulationChart
{
    public const int Width = 1200;
    public const int PanelHeight = 320;

    private static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#d62728"), Color.FromHex("#2ca02c"), Color.FromHex("#9467bd"),
        Color.FromHex("#ff7f0e"), Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#7f7f7f"),
    ];

    /// <summary>Whether <paramref name="path"/> names a chart format: .svg or .png.</summary>
    public static bool IsChartFile(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".svg" or ".png";

    /// <summary>Fails now, before a long run, when the chart could not be written: no folder, no permission.</summary>
    public static void CheckWritable(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new CliException($"cannot write the chart to {path}: the folder {directory} does not exist");
        }

        if (Directory.Exists(path))
        {
            throw new CliException($"cannot write the chart to {path}: it is a folder");
        }

        var existed = File.Exists(path);
        try
        {
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the chart to {path}: {e.Message}", ExitCodes.Failure, e);
        }

        if (!existed)
        {
            File.Delete(path);
        }
    }

    public static void Write(string path, IReadOnlyList<RunOutcome> runs, string title)
    {
        var plots = Panels(runs, title);
        var height = PanelHeight * plots.Count;
        try
        {
            if (Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase))
            {
                using var surface = SKSurface.Create(new SKImageInfo(Width, height));
                Render(surface.Canvas, plots);
                using var image = surface.Snapshot();
                using var data = image.Encode(SKEncodedImageFormat.Png, 100);
                using var file = File.Create(path);
                data.SaveTo(file);
            }
            else
            {
                using var file = File.Create(path);
                using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, height), file))
                {
                    Render(canvas, plots);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the chart to {path}: {e.Message}", ExitCodes.Failure, e);
        }
    }

    private static void Render(SKCanvas canvas, IReadOnlyList<Plot> plots)
    {
        canvas.Clear(SKColors.White);
        for (var i = 0; i < plots.Count; i++)
        {
            // A plot draws over its whole canvas; each gets its band, clipped and moved to the origin.
            canvas.Save();
            canvas.ClipRect(new SKRect(0, i * PanelHeight, Width, (i + 1) * PanelHeight));
            canvas.Translate(0, i * PanelHeight);
            plots[i].Render(canvas, new PixelRect(0, Width, PanelHeight, 0));
            canvas.Restore();
        }
    }

    private static List<Plot> Panels(IReadOnlyList<RunOutcome> runs, string title)
    {
        var first = runs[0].Result.Timeline;
        var step = first.Count > 1 ? (first[1].At - first[0].At).TotalSeconds : 1;
        step = step > 0 ? step : 1;
        var load = NewPlot($"{title} — load", "arrivals / s");
        if (first.Count > 0)
        {
            var arrivals = load.Add.Scatter(Minutes(first), first.Select(p => p.Arrivals / step).ToArray());
            Line(arrivals, Color.FromHex("#444444"), "arrivals / s");
            arrivals.ConnectStyle = ConnectStyle.StepHorizontal;
        }

        var instances = NewPlot("instances", "instances");
        if (runs.Count == 1)
        {
            ByState(instances, first);
        }
        else
        {
            for (var i = 0; i < runs.Count; i++)
            {
                var timeline = runs[i].Result.Timeline;
                var color = Palette[i % Palette.Length];
                var all = instances.Add.Scatter(Minutes(timeline), timeline.Select(p => (double)(p.Starting + p.Warm + p.Busy + p.Frozen)).ToArray());
                Line(all, color, runs[i].Spec.Label);
                all.ConnectStyle = ConnectStyle.StepHorizontal;
                if (timeline.Any(p => p.ProvisionedTarget > 0))
                {
                    var target = instances.Add.Scatter(Minutes(timeline), timeline.Select(p => (double)p.ProvisionedTarget).ToArray());
                    Line(target, color, $"{runs[i].Spec.Label}: provisioned target");
                    target.LinePattern = LinePattern.Dashed;
                    target.ConnectStyle = ConnectStyle.StepHorizontal;
                }
            }
        }

        var latency = NewPlot("p90 latency", "ms");
        for (var i = 0; i < runs.Count; i++)
        {
            var points = runs[i].Result.Timeline.Where(p => p.LatencyP90Ms is { } v && double.IsFinite(v)).ToList();
            if (points.Count > 0)
            {
                var line = latency.Add.Scatter(Minutes(points), points.Select(p => p.LatencyP90Ms!.Value).ToArray());
                Line(line, Palette[i % Palette.Length], runs[i].Spec.Label);
            }
        }

        latency.XLabel("minutes from the start");
        return [load, instances, latency];
    }

    /// <summary>One run's instances stacked by state (busy, warm, starting, frozen), with its provisioned target and current.</summary>
    private static void ByState(Plot plot, IReadOnlyList<SimulationPoint> timeline)
    {
        if (timeline.Count == 0)
        {
            return;
        }

        // Each point holds for its step: the areas are drawn as steps, each value from its point to the next.
        var xs = Minutes(timeline);
        var stepMinutes = xs.Length > 1 ? xs[1] - xs[0] : 1.0 / 60;
        var stepXs = xs.SelectMany(x => new[] { x, x + stepMinutes }).ToArray();
        var bottom = new double[stepXs.Length];
        (string Name, Func<SimulationPoint, int> Count, string Color)[] states =
        [
            ("busy", p => p.Busy, "#d62728"),
            ("warm", p => p.Warm, "#ff7f0e"),
            ("starting", p => p.Starting, "#9467bd"),
            ("frozen", p => p.Frozen, "#1f77b4"),
        ];
        foreach (var (name, count, color) in states)
        {
            var top = bottom.Select((b, i) => b + count(timeline[i / 2])).ToArray();
            var fill = plot.Add.FillY(stepXs, bottom, top);
            fill.FillStyle.Color = Color.FromHex(color).WithAlpha(0.55);
            fill.LineStyle.Width = 0;
            fill.LegendText = name;
            bottom = top;
        }

        var target = plot.Add.Scatter(xs, timeline.Select(p => (double)p.ProvisionedTarget).ToArray());
        Line(target, Colors.Black, "provisioned target");
        target.LinePattern = LinePattern.Dashed;
        target.ConnectStyle = ConnectStyle.StepHorizontal;
        var current = plot.Add.Scatter(xs, timeline.Select(p => (double)p.ProvisionedCurrent).ToArray());
        Line(current, Color.FromHex("#2ca02c"), "provisioned current");
        current.ConnectStyle = ConnectStyle.StepHorizontal;
    }

    private static Plot NewPlot(string title, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void Line(ScottPlot.Plottables.Scatter scatter, Color color, string label)
    {
        scatter.Color = color;
        scatter.LineWidth = 1.5f;
        scatter.MarkerSize = 0;
        scatter.LegendText = label;
    }

    private static double[] Minutes(IReadOnlyList<SimulationPoint> points) => points.Select(p => p.At.TotalMinutes).ToArray();
}
