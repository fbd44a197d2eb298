using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ImageEmbedding;

/// <summary>The image could not be decoded or is not acceptable as model input.</summary>
public sealed class InvalidImageException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record EmbeddingResult(float[] Embedding, double Norm, double InferenceMs, string Format, int Width, int Height);

/// <summary>
/// ResNet18 image featurizer as shipped with ML.NET's DnnImageFeaturizer: a preprocessing graph
/// (RGB planes in 0..255 -> BGR minus the ImageNet mean image) followed by the CNTK ResNet18
/// network whose global average pooling output is the embedding.
/// </summary>
public sealed class ResNetEmbedder : IDisposable
{
    /// <summary>Refuse images whose decoded size would be unreasonable for a 224x224 model.</summary>
    private const int MaxSide = 8192;

    private readonly InferenceSession _prep;
    private readonly InferenceSession _net;
    private readonly string _prepInput;
    private readonly string _prepOutput;
    private readonly string _netInput;
    private readonly string _netOutput;
    private readonly long[] _inputShape;

    public int InputWidth { get; }
    public int InputHeight { get; }
    public int Dimensions { get; }

    public ResNetEmbedder(string modelDir, Action<string> log)
    {
        var netPath = Path.Combine(modelDir, "ResNet18.onnx");
        var prepPath = Path.Combine(modelDir, "ResNetPreprocess.onnx");
        foreach (var p in new[] { netPath, prepPath })
        {
            if (!File.Exists(p))
            {
                throw new FileNotFoundException($"model file not found: {p}", p);
            }
        }

        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        var threads = Environment.GetEnvironmentVariable("ORT_INTRA_OP_THREADS");
        if (int.TryParse(threads, out var n) && n > 0)
        {
            options.IntraOpNumThreads = n;
        }

        _prep = new InferenceSession(prepPath, options);
        try
        {
            _net = new InferenceSession(netPath, options);
        }
        catch
        {
            _prep.Dispose();
            throw;
        }

        Describe("ResNetPreprocess.onnx", _prep, log);
        Describe("ResNet18.onnx", _net, log);

        (_prepInput, var prepIn) = _prep.InputMetadata.Single();
        (_prepOutput, _) = _prep.OutputMetadata.Single();
        (_netInput, var netIn) = _net.InputMetadata.Single();
        (_netOutput, var netOut) = _net.OutputMetadata.Single();

        // Expect NCHW with three channels; take the spatial size from the model itself.
        var dims = netIn.Dimensions;
        if (dims.Length != 4 || (dims[1] != 3 && dims[1] > 0))
        {
            throw new InvalidOperationException(
                $"unexpected model input shape [{string.Join(",", dims)}], expected [N,3,H,W]");
        }
        InputHeight = dims[2] > 0 ? dims[2] : 224;
        InputWidth = dims[3] > 0 ? dims[3] : 224;
        _inputShape = [1, 3, InputHeight, InputWidth];
        if (!prepIn.Dimensions.Skip(1).Select(d => (long)d).SequenceEqual(_inputShape.Skip(1)))
        {
            throw new InvalidOperationException(
                $"preprocessing input [{string.Join(",", prepIn.Dimensions)}] does not match network input [{string.Join(",", dims)}]");
        }
        Dimensions = netOut.Dimensions.Skip(1).Where(d => d > 0).Aggregate(1, (a, d) => a * d);
    }

    private static void Describe(string file, InferenceSession session, Action<string> log)
    {
        foreach (var (name, meta) in session.InputMetadata)
        {
            log($"model {file} input  {name}: {meta.ElementDataType}[{string.Join(",", meta.Dimensions)}]");
        }
        foreach (var (name, meta) in session.OutputMetadata)
        {
            log($"model {file} output {name}: {meta.ElementDataType}[{string.Join(",", meta.Dimensions)}]");
        }
    }

    /// <summary>Decodes an encoded image (format sniffed from its bytes) and embeds it.</summary>
    public EmbeddingResult Embed(byte[] encoded)
    {
        if (encoded.Length == 0)
        {
            throw new InvalidImageException("request body is empty; send the image bytes (png, jpeg, gif, bmp, tga, webp)");
        }

        IImageFormat? format = Image.DetectFormat(encoded);
        if (format is null)
        {
            throw new InvalidImageException("unrecognised image format; send png, jpeg, gif, bmp, tga or webp bytes");
        }

        Image<Rgb24> image;
        try
        {
            var info = Image.Identify(encoded);
            if (info is null)
            {
                throw new InvalidImageException($"could not read the {format.Name} header");
            }
            if (info.Width > MaxSide || info.Height > MaxSide)
            {
                throw new InvalidImageException($"image is {info.Width}x{info.Height}; the limit is {MaxSide} pixels per side");
            }
            image = Image.Load<Rgb24>(encoded);
        }
        catch (InvalidImageException)
        {
            throw;
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidDataException)
        {
            throw new InvalidImageException($"could not decode the {format.Name} image: {e.Message}", e);
        }

        using (image)
        {
            var (w, h) = (image.Width, image.Height);
            var result = Embed(image);
            return result with { Format = format.Name, Width = w, Height = h };
        }
    }

    /// <summary>Embeds a decoded image. The image is resized in place.</summary>
    public EmbeddingResult Embed(Image<Rgb24> image)
    {
        var sw = Stopwatch.StartNew();

        // Same geometry as ML.NET's ResizeImages default (IsoCrop, centre anchor):
        // scale the short side to the model size and cut the centre.
        image.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(InputWidth, InputHeight),
            Mode = ResizeMode.Crop,
            Position = AnchorPositionMode.Center,
        }));

        // Planar R, G, B in 0..255 (what ML.NET's ExtractPixels produces by default);
        // the preprocessing graph turns it into mean-subtracted BGR.
        var plane = InputWidth * InputHeight;
        var pixels = new float[3 * plane];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var o = y * InputWidth;
                for (var x = 0; x < row.Length; x++)
                {
                    pixels[o + x] = row[x].R;
                    pixels[plane + o + x] = row[x].G;
                    pixels[2 * plane + o + x] = row[x].B;
                }
            }
        });

        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, _inputShape);
        using var prepared = _prep.Run(runOptions, [_prepInput], [input], [_prepOutput]);
        using var output = _net.Run(runOptions, [_netInput], [prepared[0]], [_netOutput]);

        var embedding = output[0].GetTensorDataAsSpan<float>().ToArray();
        sw.Stop();

        double sum = 0;
        foreach (var v in embedding)
        {
            sum += (double)v * v;
        }
        return new EmbeddingResult(embedding, Math.Sqrt(sum), sw.Elapsed.TotalMilliseconds, "", 0, 0);
    }

    /// <summary>A deterministic synthetic picture used to warm the decoder and the sessions.</summary>
    public static byte[] SyntheticPng(int width = 256, int height = 192)
    {
        using var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var dx = x - width / 2;
                    var dy = y - height / 2;
                    var inside = dx * dx + dy * dy < height * height / 9;
                    row[x] = inside
                        ? new Rgb24(230, 180, 40)
                        : new Rgb24((byte)(x * 255 / width), (byte)(y * 255 / height), 128);
                }
            }
        });
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }

    public void Dispose()
    {
        _net.Dispose();
        _prep.Dispose();
    }
}
