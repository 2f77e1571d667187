namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// PaddleOCR's DB post-processing (<c>DBPostProcess</c>, score mode <c>fast</c>, no dilation): the text probability
/// map is thresholded, each 8-connected region becomes its minimum-area rectangle, regions that are too small or whose
/// mean probability inside the rectangle is below the box threshold are dropped, and the rectangle is grown by the
/// unclip distance <c>area × ratio / perimeter</c> on every side (what pyclipper's round offset followed by
/// <c>minAreaRect</c> gives for a rectangle), then scaled to the image.
/// </summary>
public static class DbTextBoxes
{
    /// <summary>The settings PaddleOCR uses for PP-OCRv4 detection.</summary>
    /// <param name="Threshold">Pixels with probability above this are text (<c>det_db_thresh</c>).</param>
    /// <param name="BoxThreshold">The least mean probability of a kept box (<c>det_db_box_thresh</c>).</param>
    /// <param name="UnclipRatio">How far boxes are grown (<c>det_db_unclip_ratio</c>).</param>
    /// <param name="MinSize">The least short side of a box, in map pixels.</param>
    /// <param name="MaxCandidates">The most regions considered.</param>
    public sealed record Settings(float Threshold = 0.3f, float BoxThreshold = 0.6f, float UnclipRatio = 1.5f, int MinSize = 3, int MaxCandidates = 1000);

    /// <summary>
    /// The text boxes of a probability map (<paramref name="mapWidth"/> × <paramref name="mapHeight"/>, row-major), in
    /// the coordinates of an image of <paramref name="imageWidth"/> × <paramref name="imageHeight"/>; each box's
    /// corners are top-left, top-right, bottom-right, bottom-left, and boxes come top to bottom, left to right.
    /// </summary>
    public static IReadOnlyList<OcrPoint[]> Find(
        ReadOnlySpan<float> map, int mapWidth, int mapHeight, int imageWidth, int imageHeight, Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (map.Length != (long)mapWidth * mapHeight)
        {
            throw new ArgumentException($"A {mapWidth}×{mapHeight} map has {(long)mapWidth * mapHeight} values, not {map.Length}.", nameof(map));
        }

        var boxes = new List<OcrPoint[]>();
        var labels = new int[map.Length];
        var queue = new Queue<int>();
        var regions = 0;
        for (var start = 0; start < map.Length && regions < settings.MaxCandidates; start++)
        {
            if (labels[start] != 0 || !(map[start] > settings.Threshold))
            {
                continue;
            }

            regions++;
            // One region: the leftmost and rightmost pixel of each of its rows are enough for its convex hull.
            var rowExtent = new Dictionary<int, (int Min, int Max)>();
            labels[start] = regions;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                var p = queue.Dequeue();
                int px = p % mapWidth, py = p / mapWidth;
                rowExtent[py] = rowExtent.TryGetValue(py, out var e) ? (Math.Min(e.Min, px), Math.Max(e.Max, px)) : (px, px);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int nx = px + dx, ny = py + dy;
                        if ((dx | dy) == 0 || nx < 0 || ny < 0 || nx >= mapWidth || ny >= mapHeight)
                        {
                            continue;
                        }

                        var n = (ny * mapWidth) + nx;
                        if (labels[n] == 0 && map[n] > settings.Threshold)
                        {
                            labels[n] = regions;
                            queue.Enqueue(n);
                        }
                    }
                }
            }

            var points = new List<(double X, double Y)>(rowExtent.Count * 2);
            foreach (var (row, (min, max)) in rowExtent)
            {
                points.Add((min, row));
                points.Add((max, row));
            }

            var rect = MinAreaRect(ConvexHull(points));
            if (Math.Min(rect.Width, rect.Height) < settings.MinSize)
            {
                continue;
            }

            var corners = Corners(rect);
            if (MeanInside(map, mapWidth, mapHeight, corners) < settings.BoxThreshold)
            {
                continue;
            }

            var perimeter = 2 * (rect.Width + rect.Height);
            var distance = rect.Width * rect.Height * settings.UnclipRatio / perimeter;
            var grown = rect with { Width = rect.Width + (2 * distance), Height = rect.Height + (2 * distance) };
            if (Math.Min(grown.Width, grown.Height) < settings.MinSize + 2)
            {
                continue;
            }

            var scaled = Corners(grown)
                .Select(c => new OcrPoint(
                    (float)Math.Clamp(Math.Round(c.X / mapWidth * imageWidth), 0, imageWidth),
                    (float)Math.Clamp(Math.Round(c.Y / mapHeight * imageHeight), 0, imageHeight)))
                .ToArray();
            var ordered = Clockwise(scaled);
            var boxWidth = Distance(ordered[0], ordered[1]);
            var boxHeight = Distance(ordered[0], ordered[3]);
            if (boxWidth <= 3 || boxHeight <= 3)
            {
                continue;
            }

            boxes.Add(ordered);
        }

        return ReadingOrder(boxes);
    }

    /// <summary>A rotated rectangle: centre, side lengths and the direction of its width side.</summary>
    internal readonly record struct RotatedRect(double CenterX, double CenterY, double Width, double Height, double CosA, double SinA);

    /// <summary>Boxes sorted top to bottom, then left to right within 10 pixels of height (PaddleOCR's <c>sorted_boxes</c>).</summary>
    private static List<OcrPoint[]> ReadingOrder(List<OcrPoint[]> boxes)
    {
        var sorted = boxes.OrderBy(b => b[0].Y).ThenBy(b => b[0].X).ToList();
        for (var i = 0; i < sorted.Count - 1; i++)
        {
            for (var j = i; j >= 0; j--)
            {
                if (Math.Abs(sorted[j + 1][0].Y - sorted[j][0].Y) < 10 && sorted[j + 1][0].X < sorted[j][0].X)
                {
                    (sorted[j], sorted[j + 1]) = (sorted[j + 1], sorted[j]);
                }
                else
                {
                    break;
                }
            }
        }

        return sorted;
    }

    private static double Distance(OcrPoint a, OcrPoint b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    /// <summary>Top-left, top-right, bottom-right, bottom-left, as PaddleOCR's <c>get_mini_boxes</c> orders them.</summary>
    private static OcrPoint[] Clockwise(OcrPoint[] corners)
    {
        var byX = corners.OrderBy(p => p.X).ToArray();
        var (topLeft, bottomLeft) = byX[1].Y > byX[0].Y ? (byX[0], byX[1]) : (byX[1], byX[0]);
        var (topRight, bottomRight) = byX[3].Y > byX[2].Y ? (byX[2], byX[3]) : (byX[3], byX[2]);
        return [topLeft, topRight, bottomRight, bottomLeft];
    }

    private static (double X, double Y)[] Corners(RotatedRect r)
    {
        double ux = r.CosA * r.Width / 2, uy = r.SinA * r.Width / 2;
        double vx = -r.SinA * r.Height / 2, vy = r.CosA * r.Height / 2;
        return
        [
            (r.CenterX - ux - vx, r.CenterY - uy - vy),
            (r.CenterX + ux - vx, r.CenterY + uy - vy),
            (r.CenterX + ux + vx, r.CenterY + uy + vy),
            (r.CenterX - ux + vx, r.CenterY - uy + vy),
        ];
    }

    /// <summary>The mean of the map over the pixels inside the quadrilateral (corners truncated to integers, as <c>box_score_fast</c> does).</summary>
    private static double MeanInside(ReadOnlySpan<float> map, int width, int height, (double X, double Y)[] corners)
    {
        var quad = corners.Select(c => ((double)(int)c.X, (double)(int)c.Y)).ToArray();
        var xmin = Math.Clamp((int)Math.Floor(corners.Min(c => c.X)), 0, width - 1);
        var xmax = Math.Clamp((int)Math.Ceiling(corners.Max(c => c.X)), 0, width - 1);
        var ymin = Math.Clamp((int)Math.Floor(corners.Min(c => c.Y)), 0, height - 1);
        var ymax = Math.Clamp((int)Math.Ceiling(corners.Max(c => c.Y)), 0, height - 1);
        double sum = 0;
        long count = 0;
        for (var y = ymin; y <= ymax; y++)
        {
            for (var x = xmin; x <= xmax; x++)
            {
                if (Inside(quad, x, y))
                {
                    sum += map[(y * width) + x];
                    count++;
                }
            }
        }

        return count == 0 ? 0 : sum / count;
    }

    private static bool Inside((double X, double Y)[] quad, double x, double y)
    {
        // Inside or on the edge of a convex polygon: the point is on the same side of every edge.
        int positive = 0, negative = 0;
        for (var i = 0; i < quad.Length; i++)
        {
            var (ax, ay) = quad[i];
            var (bx, by) = quad[(i + 1) % quad.Length];
            var cross = ((bx - ax) * (y - ay)) - ((by - ay) * (x - ax));
            if (cross > 1e-9)
            {
                positive++;
            }
            else if (cross < -1e-9)
            {
                negative++;
            }
        }

        return positive == 0 || negative == 0;
    }

    /// <summary>The convex hull (Andrew's monotone chain), counter-clockwise in image coordinates' sense of the maths.</summary>
    internal static List<(double X, double Y)> ConvexHull(List<(double X, double Y)> points)
    {
        var sorted = points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
        if (sorted.Count < 3)
        {
            return sorted;
        }

        var hull = new List<(double X, double Y)>(sorted.Count * 2);
        foreach (var pass in new[] { sorted, Enumerable.Reverse(sorted).ToList() })
        {
            var start = hull.Count;
            foreach (var p in pass)
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                hull.Add(p);
            }

            hull.RemoveAt(hull.Count - 1);
        }

        return hull;
    }

    /// <summary>The minimum-area rectangle around a convex hull: one of its sides lies along an edge of the hull.</summary>
    internal static RotatedRect MinAreaRect(List<(double X, double Y)> hull)
    {
        if (hull.Count == 0)
        {
            return default;
        }

        if (hull.Count == 1)
        {
            return new RotatedRect(hull[0].X, hull[0].Y, 0, 0, 1, 0);
        }

        var best = default(RotatedRect);
        var bestArea = double.MaxValue;
        for (var i = 0; i < hull.Count; i++)
        {
            var (ax, ay) = hull[i];
            var (bx, by) = hull[(i + 1) % hull.Count];
            var length = Math.Sqrt(((bx - ax) * (bx - ax)) + ((by - ay) * (by - ay)));
            if (length < 1e-12)
            {
                continue;
            }

            double cos = (bx - ax) / length, sin = (by - ay) / length;
            double minU = double.MaxValue, maxU = double.MinValue, minV = double.MaxValue, maxV = double.MinValue;
            foreach (var (x, y) in hull)
            {
                var u = (x * cos) + (y * sin);
                var v = (-x * sin) + (y * cos);
                minU = Math.Min(minU, u);
                maxU = Math.Max(maxU, u);
                minV = Math.Min(minV, v);
                maxV = Math.Max(maxV, v);
            }

            var area = (maxU - minU) * (maxV - minV);
            if (area < bestArea - 1e-9)
            {
                bestArea = area;
                double cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
                best = new RotatedRect((cu * cos) - (cv * sin), (cu * sin) + (cv * cos), maxU - minU, maxV - minV, cos, sin);
            }
        }

        return best;
    }

    private static double Cross((double X, double Y) o, (double X, double Y) a, (double X, double Y) b) =>
        ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));
}
