//! Typed ids: dense indices into the world's vectors, never bare `usize`.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(
    /// A service of the cluster, by position in the scenario.
    ServiceId
);
id!(
    /// A target group of the ALB.
    TargetGroupId
);
id!(
    /// A task, numbered in launch order across the cluster (0, 1, 2, …).
    TaskId
);
id!(
    /// A route through the ALB, resolved once when traffic is read.
    RouteId
);
id!(
    /// A capacity provider of the cluster: `FARGATE`, `FARGATE_SPOT`, then named ones.
    CapacityProviderId
);
id!(
    /// An EC2 instance of an ASG capacity provider, numbered in launch order across the cluster.
    InstanceId
);
id!(
    /// An SQS queue of the scenario, by position (issue 9, aws-semantics §12).
    QueueId
);
