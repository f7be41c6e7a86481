package io.stampede.node.api;

import io.stampede.cluster.net.HostPort;
import io.stampede.node.leadership.NodeLeadership;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** {@code GET /api/v1/leadership}: this node's part in its Raft group, if it takes part in one. */
@RolesAllowed("read")
@Path("/api/v1/leadership")
public class LeadershipResource {

    private final NodeLeadership leadership;

    public LeadershipResource(NodeLeadership leadership) {
        this.leadership = leadership;
    }

    /**
     * What the endpoint answers. {@code fence} is the term this node leads in (−1 while it
     * follows); {@code applied} is the index of the last log entry this node applied (a member
     * behind its leader's shows a lower one); {@code members} maps each member of the group to its
     * Raft address.
     */
    public record LeadershipView(boolean enabled, String address, boolean leading, String leader, long term,
            long fence, long applied, Map<String, String> members) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public LeadershipView leadership() {
        return new LeadershipView(leadership.enabled(), leadership.address().map(HostPort::toString).orElse(null),
                leadership.leading(), leadership.leader().orElse(null), leadership.term(), leadership.fence(),
                leadership.applied(), leadership.members());
    }
}
