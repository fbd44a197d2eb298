using Stasis.Client.Model;
using Stasis.Server.Instances;

namespace Stasis.Server.Scheduling;

/// <summary>The instances' state timelines as the timeline API reads them.</summary>
internal sealed partial class FunctionDispatcher
{
    /// <summary>
    /// Each instance's states over [<paramref name="since"/>, <paramref name="until"/>]: the live instances and those
    /// that ended in that window (the dispatcher remembers the last 50 ended), oldest first. Taken under the lock.
    /// </summary>
    public List<InstanceTimeline> Timeline(DateTimeOffset since, DateTimeOffset until)
    {
        lock (_gate)
        {
            var result = new List<InstanceTimeline>(_instances.Count);
            foreach (var instance in _instances.Concat(_ended).OrderBy(i => i.StartedAt))
            {
                var timeline = instance.Timeline;
                if (timeline.EndedAt is { } ended && ended < since || instance.StartedAt > until)
                {
                    continue;
                }

                var segments = timeline.Read(since, until);
                var list = new List<StateSegment>(segments.Count);
                foreach (var s in segments)
                {
                    list.Add(new StateSegment { State = s.State.Name(), From = s.From, To = s.To });
                }

                result.Add(new InstanceTimeline
                {
                    InstanceId = instance.Id,
                    Kind = instance.Kind == Metering.InstanceKind.Provisioned ? "provisioned" : "on-demand",
                    State = timeline.State.Name(),
                    Segments = list,
                });
            }

            return result;
        }
    }
}
