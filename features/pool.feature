@pool
Feature: One page cache on a pool of memcached servers
  In order to grow past one memcached without the cache doing nothing
  As the site's operator
  I want nginx and the site to pick the same server for every page, from one consistent-hash ring,
  so that a page stored is a page served, and a server lost costs only its own pages

  These run when the stack has more than one memcached: harvest --memcached-nodes 3. Before each
  round of visits nginx's first level is emptied, so that every answer says what memcached holds.

  Background:
    Given 24 published posts titled "Pooled" 01 to 24, one a day

  Scenario: Every stored page sits on one server only, the one nginx reads it from
    When a reader visits the 24 posts
    Then each post's page is stored on exactly one server, every server holding some
    And each post's page is still served from memcached once the other servers forget it
    And each post's page is rendered by Django once its own server forgets it

  Scenario: A stopped server costs its own pages only, and no reader waits
    Given readers have seen the 24 posts served from memcached
    And memcached server 2 is stopped
    When a reader visits the 24 posts
    Then the posts stored on server 2 are rendered by Django, the others served from memcached
    And every one of those pages answered within a second

  Scenario: A server that comes back stores and serves its pages again
    Given readers have seen the 24 posts served from memcached
    And memcached server 2 is stopped
    And a reader has visited the 24 posts
    When memcached server 2 is back
    And a reader visits the 24 posts
    And a reader visits the 24 posts
    Then every one of the 24 posts was served from memcached

  Scenario: A purge removes a post's pages from whichever server holds them
    Given readers have seen the 24 posts served from memcached
    When an editor changes the title of each of the 24 posts
    Then within 2 seconds no server holds a page of the 24 posts
    And within 2 seconds readers of the 24 posts see the new titles

  Scenario: An edit saved while one server stalls reaches readers once it answers
    Given readers have seen the 24 posts served from memcached
    When memcached server 2 stops answering for 1 second while an editor changes the title of each of the 24 posts
    Then within 2 seconds of memcached answering again readers of the 24 posts see the new titles
