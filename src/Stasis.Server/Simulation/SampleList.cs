namespace Stasis.Server.Simulation;

/// <summary>Millisecond samples in a growable float array (4 bytes each: 10 million fit in 40 MB), with nearest-rank percentiles.</summary>
internal sealed class SampleList
{
    private float[] _values = new float[1024];
    private bool _sorted = true;

    public long Count { get; private set; }

    public void Add(double value)
    {
        if (Count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[Count++] = (float)value;
        _sorted = false;
    }

    public void Clear()
    {
        Count = 0;
        _sorted = true;
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="p"/> of the samples at or below it; 0 with none.</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return 0;
        }

        if (!_sorted)
        {
            Array.Sort(_values, 0, (int)Count);
            _sorted = true;
        }

        var rank = (long)Math.Ceiling(p * Count) - 1;
        return Math.Round(_values[Math.Clamp(rank, 0, Count - 1)], 3);
    }
}
