@migration
Feature: Data migrations run in clusters, and survive being stopped
  In order to migrate a large table without running out of memory, and without starting over
  As an operator
  I want a migration split into clusters that run a few at a time and resume where they stopped

  Scenario: Every post is migrated, each cluster exactly once
    Given 300 posts waiting for the search migration
    When the operator runs the search migration in 6 clusters, 2 at a time
    Then every post is migrated
    And the log names each of the 6 clusters exactly once

  Scenario: A run killed half-way resumes and finishes
    Given 400 posts waiting for the search migration
    When the operator's run in 12 clusters, 2 at a time, is killed after 3 clusters
    And the operator runs the search migration in 12 clusters, 2 at a time
    Then the run says it resumed
    And every post is migrated
    And the log names each of the 12 clusters exactly once

  Scenario: A failing cluster is reported, and the run resumes after the fix
    Given 100 posts waiting for the search migration
    And the post "Post 7" has lost its title
    When the operator runs the search migration in 4 clusters, 2 at a time
    Then the run fails, naming the cluster of the post that lost its title
    When an editor gives the post back its title
    And the operator runs the search migration in 4 clusters, 2 at a time
    Then every post is migrated
    And the log names each of the 4 clusters exactly once

  @slow
  Scenario: A large run keeps each worker's memory bounded
    Given 5000 posts waiting for the search migration
    When the operator runs the search migration in 10 clusters, 2 at a time
    Then every post is migrated
    And no worker used more than 150 MB

  @celery @slow
  Scenario: On two Celery workers, a worker killed in the middle of a cluster costs nothing
    Given 1200 posts waiting for the search migration
    And two Celery workers
    When the operator runs the search migration in 12 clusters on Celery, and the first worker is killed with kill -9 in the middle of a cluster
    Then every post is migrated
    And the log names each of the 12 clusters exactly once
    And the second worker ran the killed worker's cluster within 10 seconds of the kill
